package main

import (
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
)

// TestApplyRefusesUsersItCannotTellApart: one entry binds a user by user_id, another a user by
// user_name, and no registration on the service shows either bound: they may be one user, which
// the apply would bind twice (the second undoing the first). Refused before anything is sent;
// allowed when the service shows which user is which, when the applications are known to
// differ, and when the file names users one way.
func TestApplyRefusesUsersItCannotTellApart(t *testing.T) {
	bob := func(r *api.SIPRegistration) { // bob (30) of phones (10), bound to alice
		r.ApplicationID, r.ApplicationName, r.UserID, r.UserName = api.Ptr(int64(10)), api.Ptr("phones"), api.Ptr(int64(30)), api.Ptr("bob")
	}
	have := []api.SIPRegistration{reg(1, "alice", "sip.example.com", bob), reg(2, "spare", "sip.example.com", nil)}
	plan := func(alice, spare string, have []api.SIPRegistration) error {
		want := []*desired{
			entry(t, "- {sip_username: alice, proxy: sip.example.com, "+alice+"}", nil),
			entry(t, "- {sip_username: spare, proxy: sip.example.com, "+spare+"}", nil),
		}
		want[1].line = 3
		_, err := makePlan(want, have, planOptions{})
		return err
	}
	err := plan("application_id: 10, user_id: 32", "application_name: phones, user_name: dave", have)
	if err == nil || !strings.Contains(err.Error(), `line 3 binds user_name "dave" of application_name "phones" and line 2 user_id 32 of application_id 10, `+
		"and no registration on the service shows either user") {
		t.Errorf("user_id 32 and user_name dave, both unbound: %v", err)
	}
	for name, tc := range map[string]struct {
		alice, spare string
		have         []api.SIPRegistration
	}{
		"the user by id bound":   {"application_id: 10, user_id: 30", "application_name: phones, user_name: dave", have},
		"the user by name bound": {"application_id: 10, user_id: 32", "application_name: phones, user_name: bob", have},
		"other applications":     {"application_id: 11, user_id: 32", "application_name: phones, user_name: dave", have},
		"all by name":            {"application_id: 10, user_name: eve", "application_name: phones, user_name: dave", have},
		"all by id":              {"application_id: 10, user_id: 32", "application_id: 10, user_id: 33", have},
	} {
		if err := plan(tc.alice, tc.spare, tc.have); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
