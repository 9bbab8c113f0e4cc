package main

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
)

// TestRegistrationFieldsFollowTheSpec: every parameter of CreateSipRegistration that a listed
// registration also has (by its JSON name) is read by registrationFields, with the value the
// registration holds; a parameter added to both in openapi.yaml fails here until it is.
func TestRegistrationFieldsFollowTheSpec(t *testing.T) {
	r := api.SIPRegistration{SIPRegistrationID: 9, SIPUsername: "u", Proxy: "p", IsPersistent: true,
		AuthUser: api.Ptr("au"), OutboundProxy: api.Ptr("op"), ApplicationID: api.Ptr(int64(3)), ApplicationName: api.Ptr("app"),
		RuleID: api.Ptr(int64(4)), RuleName: api.Ptr("rule"), UserID: api.Ptr(int64(5)), UserName: api.Ptr("user")}
	v, typ := reflect.ValueOf(r), reflect.TypeOf(r)
	byTag := map[string]reflect.Value{}
	for i := range typ.NumField() {
		tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		byTag[tag] = v.Field(i)
	}
	for _, f := range opCreate.op.Fields {
		fv, ok := byTag[f.Name]
		if !ok || f.Secret {
			continue
		}
		if fv.Kind() == reflect.Pointer {
			fv = fv.Elem()
		}
		got, present := currentValue(r, f.Name)
		if want := fmt.Sprint(fv.Interface()); !present || got != want {
			t.Errorf("%s: %q (present %v), want %q", f.Name, got, present, want)
		}
	}
	if got, present := currentValue(api.SIPRegistration{}, "auth_user"); present || got != "" {
		t.Errorf("unset auth_user: %q, present %v", got, present)
	}
}

// TestApplyKeysArePairs: a registration is matched by its sip_username and proxy as a pair,
// not by the two joined with "@": "bob" at "sip.example.com@x" is not "bob@sip.example.com" at
// "x", so the wanted one is created and the other left alone.
func TestApplyKeysArePairs(t *testing.T) {
	want := []*desired{entry(t, "- {sip_username: bob, proxy: 'sip.example.com@x', auth_user: a}", nil)}
	have := []api.SIPRegistration{reg(5, "bob@sip.example.com", "x", nil)}
	p, err := makePlan(want, have, planOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 2 || p.Steps[0].Action != actCreate || p.Steps[1].Action != actOrphan || p.Steps[1].ID != 5 {
		t.Errorf("plan %+v, want a create and id 5 left alone", p.Steps)
	}
	// Two entries whose joined text is the same are two registrations, not one twice.
	two := []*desired{entry(t, "- {sip_username: 'a@b', proxy: c}", nil), entry(t, "- {sip_username: a, proxy: 'b@c'}", nil)}
	if p, err := makePlan(two, nil, planOptions{}); err != nil || p.count(actCreate) != 2 {
		t.Errorf("a@b/c and a/b@c: %v, %+v", err, p)
	}
}

// TestPlanEscapesServerText: a registration's name with control characters cannot move the
// cursor, color the terminal or forge a line of the plan.
func TestPlanEscapesServerText(t *testing.T) {
	have := []api.SIPRegistration{reg(5, "evil\x1b[2J\n  + create forged", "p\u202e", nil)}
	p, err := makePlan(nil, have, planOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	printPlan(&b, p, planOptions{})
	out := b.String()
	if strings.ContainsAny(out, "\x1b\u202e") || strings.Contains(out, "\n  + create forged") ||
		!strings.Contains(out, `evil\x1b[2J\x0a  + create forged@p\u202e (id 5)`) {
		t.Errorf("plan:\n%s", out)
	}
}
