package api_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

func TestErrorShapes(t *testing.T) {
	html := "<html><body><h1>502 Bad Gateway</h1>" + strings.Repeat("padding ", 60) + "</body></html>"
	json := http.Header{"Content-Type": []string{"application/json"}}
	tests := []struct {
		name  string
		reply apitest.Reply
		check func(t *testing.T, err error)
	}{
		{"API error in a 200", apitest.Error(101, "Invalid arguments"), func(t *testing.T, err error) {
			var e *api.Error
			if !errors.As(err, &e) || e.Code != api.CodeInvalidArguments || e.Message != "Invalid arguments" || e.StatusCode != 200 {
				t.Fatalf("err = %#v, want *api.Error 101 with status 200", err)
			}
			if !errors.Is(err, api.CodeInvalidArguments) || errors.Is(err, api.CodeRateLimitExceeded) {
				t.Error("errors.Is does not match the code exactly")
			}
			if want := "voxsip: UpdateSipRegistration: error 101 (invalid arguments): Invalid arguments"; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err, want)
			}
		}},
		{"API error in a 500", apitest.Status(500, json, `{"error":{"code":2,"msg":"Internal error"}}`), func(t *testing.T, err error) {
			var e *api.Error
			if !errors.As(err, &e) || e.Code != 2 || e.StatusCode != 500 || !strings.Contains(err.Error(), "[HTTP 500]") {
				t.Fatalf("err = %v, want *api.Error 2 with status 500", err)
			}
		}},
		{"errors array only", apitest.Status(200, json, `{"errors":[{"code":272,"msg":"too many"},{"code":101,"msg":"bad"}]}`), func(t *testing.T, err error) {
			var e *api.Error
			if !errors.As(err, &e) || e.Code != 272 || len(e.Details) != 2 || e.Details[1].Code != 101 {
				t.Fatalf("err = %#v, want code 272 with both details", err)
			}
			if !strings.Contains(err.Error(), "(+1 more)") {
				t.Errorf("Error() = %q does not mention the second error", err)
			}
		}},
		{"error and errors both", apitest.Status(200, json, `{"errors":[{"code":272,"msg":"too many"},{"code":394,"msg":"persistent"}],"error":{"code":101,"msg":"Invalid arguments"}}`), func(t *testing.T, err error) {
			var e *api.Error
			if !errors.As(err, &e) || e.Code != api.CodeInvalidArguments || e.Message != "Invalid arguments" {
				t.Fatalf("err = %#v, want code 101 and its message from \"error\"", err)
			}
			want := []api.ErrorDetail{{Code: 272, Message: "too many"}, {Code: 394, Message: "persistent"}}
			if !reflect.DeepEqual(e.Details, want) {
				t.Errorf("Details = %+v, want %+v (from \"errors\")", e.Details, want)
			}
		}},
		{"HTML 502", apitest.Status(502, http.Header{"Content-Type": []string{"text/html"}}, html), func(t *testing.T, err error) {
			var e *api.ResponseError
			if !errors.As(err, &e) || e.StatusCode != 502 || !strings.HasPrefix(e.Body, "<html><body><h1>502") {
				t.Fatalf("err = %v, want a 502 ResponseError quoting the body", err)
			}
			if len(e.Body) > 210 || !strings.HasSuffix(e.Body, "…") {
				t.Errorf("snippet is %d bytes, want it cut near 200 with an ellipsis", len(e.Body))
			}
		}},
		{"not JSON", apitest.Status(200, json, `{"result":`), wantResponseError("body is not valid JSON", 200)},
		{"empty body", apitest.Status(200, json, ``), wantResponseError("empty body", 200)},
		{"null", apitest.Status(200, json, `null`), wantResponseError("body has no result", 200)},
		{"array", apitest.Status(200, json, `[]`), wantResponseError("not the JSON object", 200)},
		{"result 3", apitest.Status(200, json, `{"result":3}`), wantResponseError("result is 3, want 1", 200)},
		{"no result", apitest.Status(200, json, `{}`), wantResponseError("body has no result", 200)},
		{"404 without error object", apitest.Status(404, nil, `not found`), wantResponseError("unexpected HTTP status Not Found", 404)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, _ := setup(t, api.WithRetryPolicy(api.NoRetries()))
			srv.Enqueue(tt.reply)
			err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1})
			if err == nil {
				t.Fatal("no error")
			}
			tt.check(t, err)
		})
	}
}

func wantResponseError(reason string, status int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var e *api.ResponseError
		if !errors.As(err, &e) || e.StatusCode != status || !strings.Contains(e.Reason, reason) {
			t.Fatalf("err = %v, want a ResponseError (HTTP %d) saying %q", err, status, reason)
		}
		if !strings.Contains(err.Error(), reason) {
			t.Errorf("Error() = %q does not say %q", err, reason)
		}
	}
}

// A server's message or redirect target with line breaks or terminal escapes makes no second
// line (or colour) in the error's text; the fields keep what the server sent.
func TestErrorTextIsOneLineWhateverTheServerSent(t *testing.T) {
	msg := "bad\r\nvoxsip: forged line \x1b[31mred\u2028\u202e\u0085"
	for name, reply := range map[string]apitest.Reply{
		"API error": apitest.Error(101, msg),
		"redirect":  apitest.Redirect(http.StatusFound, "https://example.com/\u2028x"),
	} {
		t.Run(name, func(t *testing.T) {
			c, srv, _ := setup(t, api.WithRetryPolicy(api.NoRetries()))
			srv.Enqueue(reply)
			err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1})
			if err == nil {
				t.Fatal("no error")
			}
			if text := err.Error(); strings.ContainsAny(text, "\r\n\x1b\u2028\u202e\u0085") {
				t.Errorf("Error() = %q, want one printable line", text)
			}
			var e *api.Error
			if errors.As(err, &e) && e.Message != msg {
				t.Errorf("Message = %q, want the server's %q", e.Message, msg)
			}
		})
	}
}
