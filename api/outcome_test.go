package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/testutil"
)

// An API error answering an operation that is not idempotent says the request was not carried
// out, unless its code is one openapi.yaml lists under x-voxsip-outcome-unknown (a fatal or
// internal error), the code is one the spec does not list (or none), or the body also holds a
// complete success answer. Then the error matches ErrOutcomeUnknown, whatever the HTTP status and
// the body's shape ("error" or only "errors").
func TestAPIErrorOutcomeOfCallsThatAreNotIdempotent(t *testing.T) {
	codes, _, _, _ := specCodes(t)
	unknownCodes := specIntList(t, "x-voxsip-outcome-unknown")
	if len(unknownCodes) == 0 {
		t.Fatal("openapi.yaml lists no x-voxsip-outcome-unknown codes; this test needs some")
	}
	const unlisted = 99999
	type answer struct {
		status int
		body   string
		want   bool
	}
	var answers []answer
	for _, code := range codes {
		body := fmt.Sprintf(`{"error":{"code":%d,"msg":"m"}}`, code)
		want := slices.Contains(unknownCodes, code)
		answers = append(answers, answer{200, body, want}, answer{500, body, want})
	}
	listed := codes[0]
	for _, c := range codes {
		if !slices.Contains(unknownCodes, c) {
			listed = c // a code that says the request was refused
			break
		}
	}
	answers = append(answers,
		answer{200, fmt.Sprintf(`{"error":{"code":%d,"msg":"m"}}`, unlisted), true},
		answer{200, `{"error":{"msg":"Internal error"}}`, true}, // no code at all: code 0
		answer{502, fmt.Sprintf(`{"error":{"code":%d,"msg":"m"}}`, unlisted), true},
		answer{504, fmt.Sprintf(`{"errors":[{"code":%d,"msg":"m"}]}`, unlisted), true},
		answer{503, fmt.Sprintf(`{"errors":[{"code":%d,"msg":"m"}]}`, unknownCodes[0]), true},
		// A refusal beside a complete success answer: the API contradicts itself.
		answer{200, fmt.Sprintf(`{"result":1,"sip_registration_id":55,"error":{"code":%d,"msg":"m"}}`, listed), true},
		answer{200, fmt.Sprintf(`{"error":{"code":%d,"msg":"m"},"result":1,"sip_registration_id":55}`, listed), true},
		answer{200, fmt.Sprintf(`{"result":1,"sip_registration_id":58,"errors":[{"code":%d}]}`, listed), true},
		answer{200, fmt.Sprintf(`{"result":1,"sip_registration_id":"58","error":{"code":%d,"msg":"m"}}`, listed), false},
		answer{200, fmt.Sprintf(`{"result":1,"error":{"code":%d,"msg":"m"}}`, listed), false},
	)

	var op *params.Op
	for _, o := range params.All() {
		if !o.Idempotent {
			op = o
			break
		}
	}
	if op == nil {
		t.Fatal("the spec has no operation that is not idempotent; this test needs one")
	}
	for _, a := range answers {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(a.status)
			_, _ = w.Write([]byte(a.body))
		}))
		c, err := api.NewClient(api.WithBaseURL(hs.URL), api.WithCredentials(testCreds(t)), api.WithRetryPolicy(api.NoRetries()))
		if err != nil {
			t.Fatal(err)
		}
		err = call(t, context.Background(), c, op, testutil.ValidParams(op))
		c.CloseIdleConnections()
		hs.Close()
		var apiErr *api.Error
		if !errors.As(err, &apiErr) {
			t.Errorf("%s, HTTP %d %s: err = %v, want an *api.Error", op.ID, a.status, a.body, err)
			continue
		}
		if got := errors.Is(err, api.ErrOutcomeUnknown); got != a.want {
			t.Errorf("%s, HTTP %d %s: errors.Is(err, ErrOutcomeUnknown) = %v, want %v (%v)", op.ID, a.status, a.body, got, a.want, err)
		}
	}
}

// specIntList returns the ErrorCode schema's integer-list extension ext.
func specIntList(t *testing.T, ext string) []int {
	t.Helper()
	var out []int
	list, _ := testutil.LoadSpec(t).Components.Schemas["ErrorCode"].Value.Extensions[ext].([]any)
	for _, v := range list {
		out = append(out, int(v.(float64)))
	}
	return out
}
