package api_test

import (
	"context"
	"errors"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/apihook"
)

// A client that apihook.TrustValidated marks (the CLI's batch client, whose lines are validated
// as they are read) does not validate again: what it is given goes to the API, which judges it.
// Every other client refuses before sending, and the hook leaves anything but a client alone.
func TestTrustValidatedSkipsOnlyTheClientsOwnCheck(t *testing.T) {
	broken := &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, UserID: api.Ptr(int64(5))} // user_id needs an application
	c, srv, _ := setup(t)
	var ve *api.ValidationError
	if err := c.UpdateSIPRegistration(context.Background(), broken); !errors.As(err, &ve) || len(srv.Requests()) != 0 {
		t.Fatalf("plain client: %v, %d requests; want a *ValidationError and none sent", err, len(srv.Requests()))
	}
	apihook.TrustValidated(c)
	apihook.TrustValidated("not a client")
	err := c.UpdateSIPRegistration(context.Background(), broken)
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != api.CodeInvalidArguments || errors.As(err, &ve) {
		t.Fatalf("trusting client: %v; want the API's refusal (code 101) of the request sent", err)
	}
}
