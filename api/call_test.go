package api_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/testutil"
)

// Client.Call sends every operation of the spec (from the generated table) as its method would,
// and returns the body the API sent.
func TestCallSendsEveryOperation(t *testing.T) {
	c, srv, _ := setup(t)
	ctx := context.Background()
	for _, op := range params.All() {
		p := testutil.ValidParams(op)
		if _, ok := op.Lookup("sip_registration_id"); ok { // one that exists
			created, err := c.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p"})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.SetParam("sip_registration_id", strconv.FormatInt(created.SIPRegistrationID, 10)); err != nil {
				t.Fatal(err)
			}
		}
		body, err := c.Call(ctx, p)
		if err != nil {
			t.Fatalf("%s: %v", op.ID, err)
		}
		if !strings.Contains(string(body), `"result"`) {
			t.Errorf("%s: body %s", op.ID, body)
		}
		if got := lastRequest(t, srv); got.Operation != op.ID {
			t.Errorf("Call sent %s, want %s", got.Operation, op.ID)
		}
	}
}

// Call validates before sending and judges the body like the methods.
func TestCallValidatesAndJudges(t *testing.T) {
	c, err := api.NewClient(api.WithBaseURL("http://127.0.0.1:1/"), api.WithCredentials(testCreds(t)),
		api.WithHTTPClient(&http.Client{Transport: failingTransport{t}}))
	if err != nil {
		t.Fatal(err)
	}
	var ve *api.ValidationError
	if _, err := c.Call(context.Background(), &api.UpdateSIPRegistrationParams{}); !errors.As(err, &ve) {
		t.Errorf("Call with no id: %v, want a *ValidationError", err)
	}
	if err := api.Validate(&api.DeleteSIPRegistrationParams{SIPRegistrationID: 0}); !errors.As(err, &ve) || ve.Op != "DeleteSipRegistration" {
		t.Errorf("Validate: %v", err)
	}
	if err := api.Validate(&api.DeleteSIPRegistrationParams{SIPRegistrationID: 3}); err != nil {
		t.Errorf("Validate of valid params: %v", err)
	}
	for body, want := range map[string]string{`{"result":null}`: "no result", `{}`: "no result", `[1]`: "not the JSON object"} {
		c, srv, _ := setup(t, api.WithRetryPolicy(api.NoRetries()))
		srv.Enqueue(apitest.Status(200, http.Header{"Content-Type": []string{"application/json"}}, body))
		var re *api.ResponseError
		if _, err := c.Call(context.Background(), &api.DeleteSIPRegistrationParams{SIPRegistrationID: 1}); !errors.As(err, &re) || !strings.Contains(re.Reason, want) {
			t.Errorf("body %s: %v, want a ResponseError saying %q", body, err, want)
		}
	}
}

// Call and Validate given no parameters at all (a nil interface, which names no operation)
// return an error; they do not panic.
func TestCallAndValidateOfNilParams(t *testing.T) {
	c, err := api.NewClient(api.WithBaseURL("http://127.0.0.1:1/"), api.WithCredentials(testCreds(t)),
		api.WithHTTPClient(&http.Client{Transport: failingTransport{t}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(context.Background(), nil); err == nil || !strings.HasPrefix(err.Error(), "voxsip: ") {
		t.Errorf("Call(nil) = %v, want a voxsip: error", err)
	}
	if err := api.Validate(nil); err == nil || !strings.HasPrefix(err.Error(), "voxsip: ") {
		t.Errorf("Validate(nil) = %v, want a voxsip: error", err)
	}
}
