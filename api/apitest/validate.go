package apitest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/rules"
)

// accountParam is the pre-JWT way to name the account, which the Java client still sends.
const accountParam = "account_id"

// invalidCodes are the service's codes for an invalid value of these parameters (the meaning
// of each code in the spec's ErrorCode list names its parameter); any other parameter gets 101.
var invalidCodes = map[string]generated.ErrorCode{
	"sip_registration_id": generated.ErrorCodeInvalidRegistrationID,
	"sip_username":        generated.ErrorCodeInvalidUsername,
	"proxy":               generated.ErrorCodeInvalidProxy,
	"application_id":      generated.ErrorCodeInvalidApplicationID,
	"application_name":    generated.ErrorCodeInvalidApplicationName,
	"user_id":             generated.ErrorCodeInvalidUserID,
	"rule_id":             generated.ErrorCodeInvalidRuleID,
	"rule_name":           generated.ErrorCodeInvalidRuleName,
}

// validate reads the call's parameters as the service does (normalize), checks them against
// the spec and decodes them, then checks the operation's rules.
func (s *Server) validate(c *call) *failure {
	if fail := s.normalize(c); fail != nil {
		return fail
	}
	c.input.Request.URL.RawQuery = c.first.Encode()
	if err := openapi3filter.ValidateRequest(c.r.Context(), c.input); err != nil {
		return specFailure(err)
	}
	params, err := c.op.FromValues(c.first)
	if err != nil { // the validator let through something the generated types cannot hold
		return invalidArgs(err.Error())
	}
	if vs := rules.Check(c.op, params); vs != nil {
		msg := make([]string, len(vs))
		for i, v := range vs {
			msg[i] = v.String()
		}
		return invalidArgs(strings.Join(msg, "; "))
	}
	c.params = params
	return nil
}

// normalize turns the parameters as sent into the canonical ones (c.first), as the service
// reads them: an empty value is absent (except where it clears a field, see keepsEmpty), a
// boolean is true/false in any case or 1/0, account_id must be the token's account, an
// unknown parameter is ignored with a warning (refused under WithStrict), one given twice is
// refused.
func (s *Server) normalize(c *call) *failure {
	c.first = url.Values{}
	names := make([]string, 0, len(c.vals))
	for name := range c.vals {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f, known := c.op.Lookup(name)
		if !known && name != accountParam {
			c.warnings = append(c.warnings, fmt.Sprintf("unknown parameter %+q ignored", name))
			if s.strict {
				return invalidArgs(fmt.Sprintf("unknown parameter %+q", name))
			}
			continue
		}
		vs := c.vals[name]
		if !known || !keepsEmpty(c.op.ID, f.ParamInfo) {
			vs = slices.DeleteFunc(slices.Clone(vs), func(v string) bool { return v == "" })
		}
		switch {
		case len(vs) == 0:
			continue
		case len(vs) > 1:
			return invalidArgs(fmt.Sprintf("parameter %q given %d times", name, len(vs)))
		case name == accountParam && !known:
			if fail := c.checkAccount(vs[0]); fail != nil {
				return fail
			}
		case f.Type == "boolean":
			c.first.Set(name, normalizeBool(vs[0]))
		case f.Type == "string" && badText(vs[0]) != "":
			if code, ok := invalidCodes[name]; ok {
				return apiFailure(code, fmt.Sprintf("The '%s' parameter is invalid: %s", name, badText(vs[0])))
			}
			c.first.Set(name, vs[0])
		default:
			c.first.Set(name, vs[0])
		}
	}
	return nil
}

// KeepsEmpty reports whether the server reads an empty value of parameter param of operation
// (an operationId) as a value, which clears the field: only UpdateSipRegistration's optional
// strings. Everywhere else an empty value is the parameter absent, as the service reads the
// official clients' empty filters.
func KeepsEmpty(operation, param string) bool {
	for _, op := range generated.Operations {
		if op.ID != operation {
			continue
		}
		for _, p := range op.Params {
			if p.Name == param {
				return keepsEmpty(op.ID, p)
			}
		}
	}
	return false
}

// keepsEmpty reports whether "" is a value of p in operation opID rather than "not given":
// only for UpdateSipRegistration's optional strings, where it clears the field (the library
// documents it; no official client sends an empty value there by accident).
func keepsEmpty(opID string, p generated.ParamInfo) bool {
	return opID == "UpdateSipRegistration" && p.Type == "string" && !p.Required
}

// badText says why v cannot be the value of a text parameter the service has a code for
// (invalidCodes), or "": a byte that is not UTF-8 or a control character (C0, DEL, C1). A guess
// (see the package doc); other text (auth_user, passwords) is taken as sent.
func badText(v string) string {
	if !utf8.ValidString(v) {
		return "it is not UTF-8"
	}
	if i := strings.IndexFunc(v, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return fmt.Sprintf("it holds the control character %U", r)
	}
	return ""
}

// normalizeBool reads true/false in any case and 1/0 as the service does; anything else is
// left for the spec check to refuse.
func normalizeBool(v string) string {
	switch strings.ToLower(v) {
	case "true", "1":
		return "true"
	case "false", "0":
		return "false"
	}
	return v
}

// checkAccount refuses an account_id other than the account the token acts for (code 100, as
// the service answers a key used for another account).
func (c *call) checkAccount(v string) *failure {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id != int64(c.claims.Issuer) {
		return apiFailure(generated.ErrorCodeAuthorizationFailed,
			fmt.Sprintf("Authorization failed: account_id %s is not the account of the token (%d)", strconv.Quote(v), int64(c.claims.Issuer)))
	}
	return nil
}

// specFailure words a kin-openapi refusal as the service would: the parameter's own code and a
// short sentence, 134 for a required parameter that is missing, never the schema.
func specFailure(err error) *failure {
	var reqErr *openapi3filter.RequestError
	if !errors.As(err, &reqErr) || reqErr.Parameter == nil {
		return invalidArgs("the request does not match the API")
	}
	name := reqErr.Parameter.Name
	if errors.Is(err, openapi3filter.ErrInvalidRequired) || errors.Is(err, openapi3filter.ErrInvalidEmptyValue) {
		return apiFailure(generated.ErrorCodeRequiredIsEmpty, fmt.Sprintf("Required parameter '%s' is empty", name))
	}
	code, ok := invalidCodes[name]
	if !ok {
		code = generated.ErrorCodeInvalidArguments
	}
	return apiFailure(code, fmt.Sprintf("The '%s' parameter is invalid: %s", name, reason(reqErr)))
}

// reason is why a parameter's value was refused, in a few words.
func reason(reqErr *openapi3filter.RequestError) string {
	var schemaErr *openapi3.SchemaError
	var parseErr *openapi3filter.ParseError
	switch {
	case errors.As(reqErr.Err, &schemaErr) && schemaErr.Reason != "":
		return schemaErr.Reason
	case errors.As(reqErr.Err, &parseErr):
		kind := "a valid value"
		if sch := reqErr.Parameter.Schema; sch != nil && sch.Value != nil && sch.Value.Type != nil {
			kind = map[string]string{"integer": "an integer", "boolean": "true or false", "number": "a number"}[sch.Value.Type.Slice()[0]]
		}
		return fmt.Sprintf("%q is not %s", fmt.Sprint(parseErr.Value), kind)
	}
	return "not a valid value"
}

func invalidArgs(why string) *failure {
	return apiFailure(generated.ErrorCodeInvalidArguments, "Invalid arguments: "+why)
}

// canonicalRequest is the shape openapi.yaml describes: POST to the method's path, each
// parameter once in the query string.
func (s *Server) canonicalRequest(c *call) (*http.Request, error) {
	req, err := http.NewRequestWithContext(c.r.Context(), http.MethodPost, s.URL+"/"+url.PathEscape(c.method), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.r.UserAgent())
	return req, nil
}
