package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
)

// call sends p to the operation it is for, through do (validation, retries, judging, masking),
// and decodes the success body into R; ok says what is wrong with a decoded body ("" if
// nothing). Every method of Client goes through it, so a new operation's method is one line.
func call[R any, P generated.OperationParams](ctx context.Context, c *Client, p P, ok func(*R) string) (*R, error) {
	op, known := params.ByID(p.OperationID())
	if !known { // cannot happen for a generated Params type: the table lists them all
		return nil, fmt.Errorf("%s %s is not an operation of openapi.yaml", errPrefix, p.OperationID())
	}
	return do(ctx, c, operation{op}, p, func(ctx context.Context, edit generated.RequestEditorFn) (*http.Response, error) {
		return c.gen.Send(ctx, p, edit)
	}, ok)
}

// Call sends any operation of openapi.yaml, picked by the type of p (a pointer to one of the
// generated Params structs), exactly as the operation's own method would (validation, retries,
// error types, masking), and returns the success body: a JSON object with a "result". It is the
// one path for code that handles every operation alike, such as the CLI's `voxsip call`; the
// methods return typed results.
//
// A caller may print the body, so it carries no secret the client knows: the values of p's
// secret parameters (format: password in openapi.yaml) and the bearer token sent, whole or a
// part, are masked as in errors (in any escaping), token by token so that the body stays valid
// JSON: a string or key that shows a secret is that text with the secret replaced by "***", and
// nothing else changes. A number is never masked in part: it becomes the string "***" only when
// the whole number is a secret (a numeric password echoed as a number), so that ids stay numbers
// even when a numeric password's digits occur in them (password 551, id 5512345678); a number
// never makes a body withheld. As in errors, a short password is masked wherever its characters
// appear inside strings. A body with nothing to mask is returned byte for byte as the API sent it.
// A body whose strings or keys still show a piece of a secret (a server that echoed part of a
// password), or that shows a secret across tokens (a password holding `","` echoed unescaped),
// is not returned: the operation succeeded, and the error matches ErrBodyWithheld.
func (c *Client) Call(ctx context.Context, p generated.OperationParams) (json.RawMessage, error) {
	if p == nil {
		return nil, errNilParams("Call")
	}
	r, err := call(ctx, c, p, hasResult)
	if err != nil {
		return nil, err
	}
	if *r == nil {
		return nil, &bodyWithheld{op: p.OperationID()}
	}
	return *r, nil
}

// hasResult is the success check every response schema of the spec shares: an object with a
// non-null "result".
func hasResult(body *json.RawMessage) string {
	if !bytes.HasPrefix(bytes.TrimSpace(*body), []byte("{")) {
		return "body is not the JSON object the API describes"
	}
	var r struct {
		Result json.RawMessage `json:"result"`
	}
	if json.Unmarshal(*body, &r) != nil || len(r.Result) == 0 || string(r.Result) == "null" {
		return "body has no result"
	}
	return ""
}

// Validate checks p against openapi.yaml's rules for its operation (required, minimum,
// maximum, minLength, maxLength, pattern, enum, x-voxsip-rules), as every call does before
// sending, and returns a *ValidationError or nil.
func Validate(p generated.OperationParams) error {
	if p == nil {
		return errNilParams("Validate")
	}
	if vs := p.Validate(); vs != nil {
		return newValidationError(p.OperationID(), vs)
	}
	return nil
}

// errNilParams is the error of a function given a nil OperationParams, which names no operation.
func errNilParams(fn string) error {
	return fmt.Errorf("%s %s: nil parameters name no operation; pass a pointer to a generated Params struct, such as &api.DeleteSIPRegistrationParams{}", errPrefix, fn)
}
