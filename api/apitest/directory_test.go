package apitest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/generated"
)

// TestSeededDirectory: with applications, rules and users seeded, unknown ones are refused and
// ids and names are completed; the account's limit answers 272.
func TestSeededDirectory(t *testing.T) {
	srv, c, _ := clocked(t,
		apitest.WithApplications(apitest.Application{ID: 10, Name: "phones"}, apitest.Application{ID: 11, Name: "desk"}),
		apitest.WithRules(apitest.Rule{ID: 20, Name: "in", ApplicationID: 10}, apitest.Rule{ID: 21, Name: "in", ApplicationID: 11}),
		apitest.WithUsers(apitest.User{ID: 30, Name: "bob", ApplicationID: 10}),
		apitest.WithMaxRegistrations(2),
	)
	ctx := context.Background()
	create := func(p api.CreateSIPRegistrationParams) error {
		p.SIPUsername, p.Proxy = "u", "p"
		_, err := c.CreateSIPRegistration(ctx, &p)
		return err
	}
	for name, tc := range map[string]struct {
		p    api.CreateSIPRegistrationParams
		code generated.ErrorCode
	}{
		"unknown application id":   {api.CreateSIPRegistrationParams{ApplicationID: api.Ptr(int64(99))}, generated.ErrorCodeInvalidApplicationID},
		"unknown application name": {api.CreateSIPRegistrationParams{ApplicationName: api.Ptr("nope")}, generated.ErrorCodeInvalidApplicationName},
		"rule of another app":      {api.CreateSIPRegistrationParams{ApplicationID: api.Ptr(int64(10)), RuleID: api.Ptr(int64(21))}, generated.ErrorCodeInvalidRuleID},
		"unknown rule name":        {api.CreateSIPRegistrationParams{ApplicationID: api.Ptr(int64(10)), RuleName: api.Ptr("out")}, generated.ErrorCodeInvalidRuleName},
		"user name of another app": {api.CreateSIPRegistrationParams{ApplicationID: api.Ptr(int64(11)), UserName: api.Ptr("bob")}, generated.ErrorCodeInvalidUserID},
		"user id of another app":   {api.CreateSIPRegistrationParams{ApplicationID: api.Ptr(int64(11)), UserID: api.Ptr(int64(30))}, generated.ErrorCodeUserNotBoundToApplication},
		"unknown user":             {api.CreateSIPRegistrationParams{ApplicationID: api.Ptr(int64(10)), UserID: api.Ptr(int64(31))}, generated.ErrorCodeInvalidUserID},
	} {
		if err := create(tc.p); !errors.Is(err, api.ErrorCode(tc.code)) || !strings.Contains(err.Error(), "not") {
			t.Errorf("%s: %v, want code %d", name, err, tc.code)
		}
	}
	if len(srv.Registrations()) != 0 {
		t.Fatalf("refused creates left %d registrations", len(srv.Registrations()))
	}
	if err := create(api.CreateSIPRegistrationParams{ApplicationName: api.Ptr("desk"), RuleName: api.Ptr("in")}); err != nil {
		t.Fatal(err)
	}
	if err := create(api.CreateSIPRegistrationParams{ApplicationID: api.Ptr(int64(10)), UserName: api.Ptr("bob")}); err != nil {
		t.Fatal(err)
	}
	regs := srv.Registrations()
	if got := fmt.Sprintf("%s %s %s %s | %s %s %s %s", i64(regs[0].ApplicationID), str(regs[0].ApplicationName), i64(regs[0].RuleID), str(regs[0].RuleName),
		i64(regs[1].ApplicationID), str(regs[1].ApplicationName), i64(regs[1].UserID), str(regs[1].UserName)); got != "11 desk 21 in | 10 phones 30 bob" {
		t.Errorf("completed references: %s", got)
	}
	err := create(api.CreateSIPRegistrationParams{})
	if !errors.Is(err, api.CodeTooManySIPRegistrations) {
		t.Errorf("third create with a limit of 2: %v, want code 272", err)
	}
	// Unknown names are refused when unbinding too.
	if err := c.BindSIPRegistration(ctx, &api.BindSIPRegistrationParams{Bind: api.Ptr(false), ApplicationName: api.Ptr("nope")}); !errors.Is(err, api.ErrorCode(generated.ErrorCodeInvalidApplicationName)) {
		t.Errorf("unbinding an unknown application: %v, want code 107", err)
	}
	// Without seeds, anything goes and is kept as sent.
	_, free, _ := clocked(t)
	if _, err := free.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p", ApplicationID: api.Ptr(int64(99)), RuleName: api.Ptr("any")}); err != nil {
		t.Errorf("unseeded: %v", err)
	}
}

// Users are scoped by application: bob of one application is not bob of another, so binding
// one does not unbind the other; the same user moves.
func TestSameNamedUsersOfTwoApplications(t *testing.T) {
	srv := start(t, apitest.WithRegistrationIDs(1, 2, 3))
	c := newClient(t, srv)
	ctx := context.Background()
	for _, b := range []api.BindSIPRegistrationParams{
		{SIPRegistrationID: api.Ptr(int64(1)), ApplicationName: api.Ptr("a"), UserName: api.Ptr("bob")},
		{SIPRegistrationID: api.Ptr(int64(2)), ApplicationName: api.Ptr("b"), UserName: api.Ptr("bob")},
		{SIPRegistrationID: api.Ptr(int64(3)), ApplicationName: api.Ptr("a"), UserName: api.Ptr("bob")},
	} {
		if err := c.BindSIPRegistration(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, r := range srv.Registrations() {
		got = append(got, fmt.Sprintf("%d:%s/%s", r.SIPRegistrationID, str(r.ApplicationName), str(r.UserName)))
	}
	if want := "1:a/<nil> 2:b/bob 3:a/bob"; strings.Join(got, " ") != want {
		t.Errorf("bindings %s, want %s", strings.Join(got, " "), want)
	}
}
