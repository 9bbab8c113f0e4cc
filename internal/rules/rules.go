// Package rules holds the parameter rules of UpdateSipRegistration from the API reference, shared
// by the client (which refuses a bad request before any I/O) and the fake server (which answers
// it as the API does).
package rules

import (
	"strings"

	"github.com/voxsip/voxsip/generated"
)

// Violation is one broken rule: the parameters involved, by their API names, and what is wrong.
type Violation struct {
	Params []string
	Reason string
}

// String is "params: reason".
func (v Violation) String() string { return strings.Join(v.Params, ", ") + ": " + v.Reason }

// Check returns the rules p breaks, in a stable order, or nil. The rules, from the reference:
// sip_registration_id is required (a positive id); each of application_id/application_name,
// rule_id/rule_name and user_id/user_name are alternatives; and rule_name, user_id or user_name
// need application_id or application_name (a rule_id alone is fine: a rule's id is unique).
// A parameter counts as given when its pointer is set, even to an empty string.
func Check(p *generated.UpdateSIPRegistrationParams) []Violation {
	if p == nil {
		return []Violation{{Params: []string{"sip_registration_id"}, Reason: "required (no parameters given)"}}
	}
	var vs []Violation
	if p.SIPRegistrationID <= 0 {
		vs = append(vs, Violation{Params: []string{"sip_registration_id"}, Reason: "required (a positive registration id)"})
	}
	alternatives := [...]struct {
		a, b       string
		aSet, bSet bool
	}{
		{"application_id", "application_name", p.ApplicationID != nil, p.ApplicationName != nil},
		{"rule_id", "rule_name", p.RuleID != nil, p.RuleName != nil},
		{"user_id", "user_name", p.UserID != nil, p.UserName != nil},
	}
	for _, alt := range alternatives {
		if alt.aSet && alt.bSet {
			vs = append(vs, Violation{Params: []string{alt.a, alt.b}, Reason: "alternatives: give at most one"})
		}
	}
	if p.ApplicationID == nil && p.ApplicationName == nil {
		var needApp []string
		if p.RuleName != nil {
			needApp = append(needApp, "rule_name")
		}
		if p.UserID != nil {
			needApp = append(needApp, "user_id")
		}
		if p.UserName != nil {
			needApp = append(needApp, "user_name")
		}
		if len(needApp) > 0 {
			vs = append(vs, Violation{
				Params: append(needApp, "application_id", "application_name"),
				Reason: strings.Join(needApp, ", ") + " need application_id or application_name",
			})
		}
	}
	return vs
}
