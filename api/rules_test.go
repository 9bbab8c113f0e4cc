package api_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/voxsip/voxsip/api"
)

// failingTransport fails the test if the client sends anything.
type failingTransport struct{ t *testing.T }

func (f failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.t.Errorf("the client sent a request: %s %s", r.Method, r.URL.Path)
	return nil, errors.New("no network in this test")
}

func TestSeedRules(t *testing.T) {
	id := api.Ptr(int64(1))
	name := api.Ptr("n")
	tests := []struct {
		name       string
		p          *api.UpdateSIPRegistrationParams
		wantParams []string // nil: valid
	}{
		{"only the id", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1}, nil},
		{"nil params", nil, []string{"sip_registration_id"}},
		{"id missing", &api.UpdateSIPRegistrationParams{Proxy: name}, []string{"sip_registration_id"}},
		{"id negative", &api.UpdateSIPRegistrationParams{SIPRegistrationID: -3}, []string{"sip_registration_id"}},
		{"application id and name", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, ApplicationID: id, ApplicationName: name}, []string{"application_id", "application_name"}},
		{"rule id and name", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, ApplicationID: id, RuleID: id, RuleName: name}, []string{"rule_id", "rule_name"}},
		{"user id and name", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, ApplicationID: id, UserID: id, UserName: name}, []string{"user_id", "user_name"}},
		{"rule_name without application", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, RuleName: name}, []string{"rule_name", "application_id", "application_name"}},
		{"user_id without application", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, UserID: id}, []string{"user_id", "application_id", "application_name"}},
		{"user_name without application", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, UserName: name}, []string{"user_name", "application_id", "application_name"}},
		{"rule_id alone is fine", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, RuleID: id}, nil},
		{"application alone is fine", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, ApplicationName: name}, nil},
		{"user with application name", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, ApplicationName: name, UserName: name}, nil},
		{"rule name and user id with application id", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, ApplicationID: id, RuleName: name, UserID: id}, nil},
		{"empty application name counts as given", &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, ApplicationName: api.Ptr(""), UserID: id}, nil},
		{"everything wrong at once", &api.UpdateSIPRegistrationParams{ApplicationName: nil, UserID: id, UserName: name},
			[]string{"sip_registration_id", "user_id", "user_name", "application_id", "application_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantParams == nil {
				c, srv, _ := setup(t)
				if err := c.UpdateSIPRegistration(context.Background(), tt.p); err != nil {
					t.Fatalf("valid parameters refused: %v", err)
				}
				if len(srv.Requests()) != 1 {
					t.Fatal("the fake did not accept the request")
				}
				return
			}
			c, err := api.NewClient(api.WithCredentials(testCreds(t)), api.WithHTTPClient(&http.Client{Transport: failingTransport{t}}))
			if err != nil {
				t.Fatal(err)
			}
			err = c.UpdateSIPRegistration(context.Background(), tt.p)
			var ve *api.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *api.ValidationError", err)
			}
			if got := ve.Params(); !reflect.DeepEqual(got, tt.wantParams) {
				t.Errorf("Params() = %v, want %v (error: %v)", got, tt.wantParams, err)
			}
		})
	}
}
