package rules

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/testutil"
)

// Every rule of every operation in the spec is enforced: derived from generated.Operations, so
// a rule added to openapi.yaml is tested with go generate alone.
func TestEveryRuleOfTheSpecIsEnforced(t *testing.T) {
	checked := 0
	for _, op := range params.All() {
		base := testutil.ValidParams(op)
		if vs := Check(op, base); vs != nil {
			t.Fatalf("%s: the minimal valid parameters are refused: %v", op.ID, vs)
		}
		for _, r := range op.Rules {
			// clone copies base into a new Params struct and sets the named parameters.
			with := func(names ...string) any {
				p := op.New()
				reflect.ValueOf(p).Elem().Set(reflect.ValueOf(base).Elem())
				for _, n := range names {
					f, _ := op.Lookup(n)
					if err := op.Set(p, n, testutil.SampleValue(&f)); err != nil {
						t.Fatal(err)
					}
				}
				return p
			}
			if len(r.AtMostOne) > 1 {
				names := slices.Clone(r.AtMostOne)
				for _, n := range r.AtMostOne { // what the alternatives themselves need
					for _, need := range testutil.Needs(op, n) {
						if !slices.Contains(names, need) && !slices.Contains(r.AtMostOne, need) {
							names = append(names, need)
						}
					}
				}
				got := Check(op, with(names...))
				if len(got) != 1 || !slices.Equal(got[0].Params, r.AtMostOne) {
					t.Errorf("%s: all of %v given: violations %v, want one naming them", op.ID, r.AtMostOne, got)
				}
				checked++
			}
			for _, n := range r.IfAny {
				p := with(n)
				for _, req := range r.RequireAny { // take away what base may already give
					if f, ok := op.Lookup(req); ok && !f.Required {
						reflect.ValueOf(p).Elem().Field(f.Index).SetZero()
					}
				}
				got := Check(op, p)
				if len(got) != 1 || got[0].Params[0] != n || !strings.Contains(got[0].Reason, "need") {
					t.Errorf("%s: %s without %v: violations %v, want one", op.ID, n, r.RequireAny, got)
				}
				checked++
				if got := Check(op, with(append([]string{n}, r.RequireAny[0])...)); got != nil {
					t.Errorf("%s: %s with %s refused: %v", op.ID, n, r.RequireAny[0], got)
				}
			}
			if len(r.IfAny) == 0 && len(r.RequireAny) > 0 {
				p := op.New()
				got := Check(op, p)
				found := false
				for _, v := range got {
					found = found || slices.Equal(v.Params, r.RequireAny)
				}
				if !found {
					t.Errorf("%s: none of %v given: violations %v, want one naming them", op.ID, r.RequireAny, got)
				}
				checked++
				if name, value, ok := strings.Cut(r.Unless, "="); ok {
					if err := op.Set(p, name, value); err != nil {
						t.Fatal(err)
					}
					for _, v := range Check(op, p) {
						if slices.Equal(v.Params, r.RequireAny) {
							t.Errorf("%s: %v still required with %s", op.ID, r.RequireAny, r.Unless)
						}
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("the spec has no rules to check: x-voxsip-rules did not reach generated code")
	}
}

// Every minimum, minLength and pattern of the spec is enforced.
func TestSchemaLimits(t *testing.T) {
	checked := 0
	for _, op := range params.All() {
		for _, f := range op.Fields {
			bad := ""
			switch {
			case f.HasMin:
				bad = strconv.FormatInt(f.Min-1, 10)
			case f.MinLength > 0:
				bad = ""
			case f.Pattern != "":
				bad = "no;such;value!"
			default:
				continue
			}
			p := testutil.ValidParams(op)
			if err := op.Set(p, f.Name, bad); err != nil {
				t.Fatal(err)
			}
			// Exactly one violation is of the field alone (setting it may also wake a rule
			// between parameters, such as user_id needing an application).
			got := Check(op, p)
			alone := 0
			for _, v := range got {
				if len(v.Params) == 1 && v.Params[0] == f.Name {
					alone++
				}
			}
			if alone != 1 {
				t.Errorf("%s: %s=%q: violations %v, want one of %s alone", op.ID, f.Name, bad, got, f.Name)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no schema limits found in the spec")
	}
}

// The seed page's rules, as the reference words them, on UpdateSipRegistration.
func TestUpdateRulesFromTheReference(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	s := func(v string) *string { return &v }
	op := params.For[generated.UpdateSIPRegistrationParams]()
	tests := []struct {
		name string
		p    *generated.UpdateSIPRegistrationParams
		want []Violation
	}{
		{"valid: a rule_id alone", &generated.UpdateSIPRegistrationParams{SIPRegistrationID: 1, RuleID: i(2)}, nil},
		{"nil", nil, []Violation{{Params: []string{"sip_registration_id"}, Reason: "required (must be at least 1)"}}},
		{"two alternatives and a missing application", &generated.UpdateSIPRegistrationParams{
			SIPRegistrationID: 1, RuleID: i(1), RuleName: s("r"), UserName: s("u"),
		}, []Violation{
			{Params: []string{"rule_id", "rule_name"}, Reason: "alternatives: give at most one"},
			{Params: []string{"rule_name", "user_name", "application_id", "application_name"}, Reason: "rule_name, user_name need application_id or application_name"},
		}},
	}
	for _, tt := range tests {
		var p any = tt.p
		if tt.p == nil {
			p = (*generated.UpdateSIPRegistrationParams)(nil)
		}
		if got := Check(op, p); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Check = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := (Violation{Params: []string{"a", "b"}, Reason: "why"}).String(); got != "a, b: why" {
		t.Errorf("String() = %q", got)
	}
}
