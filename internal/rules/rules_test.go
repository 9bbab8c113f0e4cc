package rules

import (
	"reflect"
	"testing"

	"github.com/voxsip/voxsip/generated"
)

func TestCheck(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		p    *generated.UpdateSIPRegistrationParams
		want []Violation
	}{
		{"valid", &generated.UpdateSIPRegistrationParams{SIPRegistrationID: 1, RuleID: i(2)}, nil},
		{"nil", nil, []Violation{{[]string{"sip_registration_id"}, "required (no parameters given)"}}},
		{"two alternatives and a missing application", &generated.UpdateSIPRegistrationParams{
			SIPRegistrationID: 1, RuleID: i(1), RuleName: s("r"), UserName: s("u"),
		}, []Violation{
			{[]string{"rule_id", "rule_name"}, "alternatives: give at most one"},
			{[]string{"rule_name", "user_name", "application_id", "application_name"}, "rule_name, user_name need application_id or application_name"},
		}},
	}
	for _, tt := range tests {
		if got := Check(tt.p); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Check = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := (Violation{[]string{"a", "b"}, "why"}).String(); got != "a, b: why" {
		t.Errorf("String() = %q", got)
	}
}
