package apitest_test

import (
	"context"
	"slices"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
)

// TestFilters tests each filter of GetSipRegistrations, and fails when the spec has a filter
// no case covers.
func TestFilters(t *testing.T) {
	regs := []generated.SIPRegistration{
		{SIPRegistrationID: 1, SIPUsername: "alice", Proxy: "a.example", IsPersistent: true, Successful: api.Ptr(true), StatusCode: api.Ptr(200),
			ApplicationID: api.Ptr(int64(10)), ApplicationName: api.Ptr("phones"), RuleID: api.Ptr(int64(20)), RuleName: api.Ptr("in"),
			UserID: api.Ptr(int64(30)), UserName: api.Ptr("bob")},
		{SIPRegistrationID: 2, SIPUsername: "carol", Proxy: "b.example", IsPersistent: false, Successful: api.Ptr(false), StatusCode: api.Ptr(404),
			ApplicationID: api.Ptr(int64(11)), ApplicationName: api.Ptr("desk"), Deactivated: true},
		{SIPRegistrationID: 3, SIPUsername: "dave", Proxy: "a.example", IsPersistent: true, Successful: api.Ptr(false), StatusCode: api.Ptr(503),
			UserName: api.Ptr("erin"), RuleName: api.Ptr("out")},
		{SIPRegistrationID: 4, SIPUsername: "frank", Proxy: "c.example", IsPersistent: true}, // in progress
	}
	_, c, _ := clocked(t, apitest.WithRegistrations(regs...))
	op := params.For[api.GetSIPRegistrationsParams]()
	cases := []struct {
		param, value string
		want         []int64
	}{
		{"sip_registration_id", "3", []int64{3}},
		{"sip_username", "carol", []int64{2}},
		{"deactivated", "true", []int64{2}},
		{"deactivated", "false", []int64{1, 3, 4}},
		{"successful", "true", []int64{1}},
		{"successful", "false", []int64{2, 3, 4}},
		{"is_persistent", "false", []int64{2}},
		{"application_id", "10;11", []int64{1, 2}},
		{"application_id", "11", []int64{2}},
		{"application_id", "any", []int64{1, 2}},
		{"application_name", "phones;nope", []int64{1}},
		{"is_bound_to_application", "true", []int64{1, 2}},
		{"is_bound_to_application", "false", []int64{3, 4}},
		{"rule_id", "20", []int64{1}},
		{"rule_id", "any", []int64{1, 3}}, // 3 is bound by name: the fake's directory gave it an id
		{"rule_name", "in;out", []int64{1, 3}},
		{"user_id", "30;99", []int64{1}},
		{"user_id", "any", []int64{1, 3}},
		{"user_name", "erin", []int64{3}},
		{"proxy", "a.example;c.example", []int64{1, 3, 4}},
		{"in_progress", "true", []int64{4}},
		{"in_progress", "false", []int64{1, 2, 3}},
		{"status_code", "200", []int64{1}},
		{"status_code", "400:599", []int64{2, 3}},
		{"status_code", "100:299;503", []int64{1, 3}},
		{"count", "2", []int64{1, 2}},
		{"offset", "3", []int64{4}},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.param] = true
		p := &api.GetSIPRegistrationsParams{}
		if err := op.Set(p, tc.param, tc.value); err != nil {
			t.Fatal(err)
		}
		page, err := c.GetSIPRegistrations(context.Background(), p)
		if err != nil {
			t.Errorf("%s=%s: %v", tc.param, tc.value, err)
			continue
		}
		var got []int64
		for _, r := range page.Result {
			got = append(got, r.SIPRegistrationID)
		}
		wantCount := int64(len(tc.want))
		if tc.param == "count" || tc.param == "offset" {
			wantCount = int64(len(regs))
		}
		if !slices.Equal(got, tc.want) || page.Count != wantCount {
			t.Errorf("%s=%s: %v (count %d), want %v (count %d)", tc.param, tc.value, got, page.Count, tc.want, wantCount)
		}
	}
	for _, f := range op.Fields {
		if !covered[f.Name] {
			t.Errorf("GetSipRegistrations parameter %s has no filter case", f.Name)
		}
	}
	// Filters combine (and).
	page, err := c.GetSIPRegistrations(context.Background(), &api.GetSIPRegistrationsParams{Proxy: api.Ptr("a.example"), Successful: api.Ptr(false)})
	if err != nil || len(page.Result) != 1 || page.Result[0].SIPRegistrationID != 3 {
		t.Errorf("proxy a.example and not successful: %+v %v, want 3", page, err)
	}
}
