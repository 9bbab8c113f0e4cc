package apitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/claims"
	paramcodec "github.com/voxsip/voxsip/internal/params"
)

// maxBody bounds a request body (the API's requests are a few hundred bytes).
const maxBody = 1 << 20

// call is one API request as it goes through the pipeline; each stage fills its part.
type call struct {
	// readCall: what came over the wire.
	r      *http.Request
	method string     // the API method, from the path or the cmd parameter
	vals   url.Values // every parameter, every occurrence (one given twice is refused)

	// validate: the parameters as the service reads them, and what it ignored.
	first    url.Values // each parameter once: the canonical request's query
	warnings []string   // unknown parameters, ignored

	// route: the operation of the spec.
	op    *paramcodec.Op
	h     handler
	input *openapi3filter.RequestValidationInput // the canonical request, routed

	// authorize: the verified token.
	claims claims.Claims
	kid    string

	params any // the decoded parameters
}

// failure ends a call's pipeline: an API error in the envelope at HTTP 200, or (status not 0)
// an HTTP answer outside the API.
type failure struct {
	status int
	code   generated.ErrorCode
	msg    string
}

func apiFailure(code generated.ErrorCode, msg string) *failure {
	return &failure{code: code, msg: msg}
}

func httpFailure(status int, msg string) *failure { return &failure{status: status, msg: msg} }

// readCall reads the method and the parameters of r, in any of the shapes the package doc
// lists.
func (s *Server) readCall(r *http.Request) (*call, *failure) {
	c := &call{r: r}
	viaCmd := false
	switch {
	case r.URL.Path == BasePath || r.URL.Path == BasePath+"/":
		viaCmd = true
	case strings.HasPrefix(r.URL.Path, BasePath+"/"):
		// The older reference pages end the method with a slash.
		c.method = strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, BasePath+"/"), "/")
	default:
		return c, httpFailure(http.StatusNotFound, "apitest: not found: the API is under "+BasePath+"/, the admin endpoints under "+AdminPath)
	}
	if r.Method != http.MethodPost {
		return c, httpFailure(http.StatusMethodNotAllowed, "apitest: the Management API takes POST")
	}
	var err error
	if c.vals, err = gatherParams(r); err != nil {
		return c, apiFailure(generated.ErrorCodeInvalidArguments, "Invalid arguments: "+err.Error())
	}
	if viaCmd {
		if fail := c.takeCmd(); fail != nil {
			return c, fail
		}
	}
	return c, nil
}

// takeCmd moves the cmd parameter into c.method.
func (c *call) takeCmd() *failure {
	cmds := slices.DeleteFunc(c.vals["cmd"], func(v string) bool { return v == "" }) // empty is absent
	delete(c.vals, "cmd")
	switch len(cmds) {
	case 0:
		return apiFailure(generated.ErrorCodeMissingCmd, "Missing 'cmd' parameter")
	case 1:
		c.method = cmds[0]
		return nil
	}
	return apiFailure(generated.ErrorCodeInvalidArguments, fmt.Sprintf("Invalid arguments: parameter \"cmd\" given %d times", len(cmds)))
}

// parseForm is url.ParseQuery, except that a raw ";" is part of a value (the API's lists are
// separated by ";", and a client such as curl may send them unescaped), not an error.
func parseForm(q string) (url.Values, error) {
	return url.ParseQuery(strings.ReplaceAll(q, ";", "%3B"))
}

// gatherParams collects every parameter of r, from the query string and from an
// application/x-www-form-urlencoded, multipart/form-data or application/json body, keeping
// every occurrence (so that one given twice, anywhere, can be refused).
func gatherParams(r *http.Request) (url.Values, error) {
	vals, err := parseForm(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("the query string is malformed: %w", err)
	}
	body := http.MaxBytesReader(nil, r.Body, maxBody)
	add := func(name, value string) { vals[name] = append(vals[name], value) }
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		if err := expectEmpty(body); err != nil {
			return nil, bodyRefused(err, "a request body needs a Content-Type")
		}
		return vals, nil
	}
	mediaType, mparams, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("Content-Type %q: %w", ct, err)
	}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		err = readForm(body, add)
	case "multipart/form-data":
		err = readMultipart(body, mparams["boundary"], add)
	case "application/json":
		err = readJSON(body, add)
	default:
		if err := expectEmpty(body); err != nil {
			return nil, bodyRefused(err, fmt.Sprintf("unsupported Content-Type %q (send a form, multipart or JSON)", mediaType))
		}
	}
	if err != nil {
		return nil, err
	}
	return vals, nil
}

// readJSON reads a JSON object body as parameters (the reference pages' curl examples send
// '{}' with the parameters in the query string): strings, numbers and booleans as their text,
// null as absent; an empty body is no parameters. A key given twice is kept twice (and refused
// like a parameter given twice in a form), not decoded to its last value.
func readJSON(body io.Reader, add func(name, value string)) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("the JSON body is not an object")
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return fmt.Errorf("the JSON body is not an object: %w", err)
		}
		name := key.(string) // in an object, Token returns keys as strings
		v, err := dec.Token()
		if err != nil {
			return fmt.Errorf("the JSON body is not an object: %w", err)
		}
		switch v := v.(type) {
		case nil:
		case string:
			add(name, v)
		case json.Number:
			add(name, v.String())
		case bool:
			add(name, strconv.FormatBool(v))
		default:
			return fmt.Errorf("the JSON body's %q is not a string, number or boolean", name)
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return fmt.Errorf("the JSON body is not an object: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("the JSON body has data after its object")
	}
	return nil
}

// bodyRefused words expectEmpty's error: why the body cannot be read, or the failure reading it.
func bodyRefused(err error, why string) error {
	if errors.Is(err, errBodyNotEmpty) {
		return errors.New(why)
	}
	return err
}

// errBodyNotEmpty is a body where none can be read.
var errBodyNotEmpty = errors.New("unexpected body")

// expectEmpty reads one byte of body: errBodyNotEmpty if there is one.
func expectEmpty(body io.Reader) error {
	n, err := body.Read(make([]byte, 1))
	if n > 0 {
		return errBodyNotEmpty
	}
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading the body: %w", err)
	}
	return nil
}

func readForm(body io.Reader, add func(name, value string)) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	form, err := parseForm(string(data))
	if err != nil {
		return fmt.Errorf("the form body is malformed: %w", err)
	}
	for name, vs := range form {
		for _, v := range vs {
			add(name, v)
		}
	}
	return nil
}

func readMultipart(body io.Reader, boundary string, add func(name, value string)) error {
	if boundary == "" {
		return errors.New("multipart/form-data without a boundary")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("the multipart body is malformed: %w", err)
		}
		name := part.FormName()
		if name == "" {
			part.Close()
			return errors.New("a multipart part has no form-data name")
		}
		data, err := io.ReadAll(part)
		part.Close()
		if err != nil {
			return fmt.Errorf("reading multipart part %q: %w", name, err)
		}
		add(name, string(data))
	}
}

// route finds the call's operation in the spec by its method.
func (s *Server) route(c *call) *failure {
	unknown := apiFailure(generated.ErrorCodeUnknownCommand, fmt.Sprintf("Unknown command %q", c.method))
	if c.method == "" {
		return unknown
	}
	canonical, err := s.canonicalRequest(c)
	if err != nil {
		return unknown
	}
	route, pathParams, err := s.router.FindRoute(canonical)
	if err != nil {
		return unknown
	}
	opID := route.Operation.OperationID
	op, ok := paramcodec.ByID(opID)
	c.h = s.handlers[opID]
	if c.h == nil || !ok {
		// Not in the API's name: the fake lags behind its own spec.
		return &failure{status: http.StatusNotImplemented, code: generated.ErrorCodeUnknownCommand,
			msg: "apitest: " + opID + " is in openapi.yaml but the fake does not implement it"}
	}
	c.op = op
	c.input = &openapi3filter.RequestValidationInput{
		Request:    canonical,
		PathParams: pathParams,
		Route:      route,
		Options:    &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	return nil
}
