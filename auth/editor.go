package auth

import (
	"context"
	"fmt"
	"net/http"
)

// RequestEditor returns a function that sets "Authorization: Bearer <token>" on a request, with
// a token from ts. Its type matches the generated client's RequestEditorFn, so it plugs into
// generated.WithRequestEditorFn as it is.
func RequestEditor(ts TokenSource) func(ctx context.Context, req *http.Request) error {
	return func(ctx context.Context, req *http.Request) error {
		tok, err := ts.Token(ctx)
		if err != nil {
			return fmt.Errorf("voxsip: getting a token: %w", err)
		}
		if tok.IsZero() {
			return fmt.Errorf("voxsip: token source returned an empty token")
		}
		SetAuthorization(req, tok)
		return nil
	}
}

// SetAuthorization sets "Authorization: Bearer <token>" on req; a zero tok removes the header.
func SetAuthorization(req *http.Request, tok Token) {
	if tok.IsZero() {
		req.Header.Del("Authorization")
		return
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	req.Header["Authorization"] = []string{tok.authorization()}
}
