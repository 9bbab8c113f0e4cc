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

// TestPlanRefusesOneUserBoundTwice: entries that bind one user are refused, also when one names
// the user (or its application) by id and the other by name and only the registrations on the
// service show that the two are one; users of the same name in two applications are two users,
// and user_name "" binds none.
func TestPlanRefusesOneUserBoundTwice(t *testing.T) {
	bobOnService := []api.SIPRegistration{reg(1, "alice", "p", func(r *api.SIPRegistration) {
		r.ApplicationID, r.ApplicationName, r.UserID, r.UserName = api.Ptr(int64(10)), api.Ptr("phones"), api.Ptr(int64(30)), api.Ptr("bob")
	})}
	for _, tt := range []struct {
		name, a, b string
		have       []api.SIPRegistration
		want       string // "" for no refusal
	}{
		{"by id and by name", "user_id: 30, application_id: 10", "user_name: bob, application_name: phones", bobOnService,
			`line 2: y@p binds user_name "bob" of application_name "phones" and line 1 (x@p) user_id 30 of application_id 10, the same user`},
		{"by name, the application by id and by name", "user_name: bob, application_id: 10", "user_name: bob, application_name: phones", bobOnService,
			"line 2: y@p binds"},
		{"by name, unknown to the service", "user_name: bob, application_id: 10", "user_name: bob, application_name: phones", nil, ""},
		{"the same name in two applications", "user_name: bob, application_name: phones", "user_name: bob, application_name: desk", bobOnService, ""},
		{"no user", "user_name: '', application_name: phones", "user_name: '', application_name: phones", bobOnService, ""},
		{"two users", "user_id: 30, application_id: 10", "user_id: 31, application_id: 10", bobOnService, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := entry(t, "- {sip_username: x, proxy: p, "+tt.a+"}", nil), entry(t, "- {sip_username: y, proxy: p, "+tt.b+"}", nil)
			a.line, b.line = 1, 2
			_, err := makePlan([]*desired{a, b}, tt.have, planOptions{})
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

// TestPlanShowsWhomABindingUnbinds: a step that binds a user the service has bound to another
// registration says so (binding a user unbinds its previous registration), unless that
// registration's own step binds it another user or the user is bound there already.
func TestPlanShowsWhomABindingUnbinds(t *testing.T) {
	bob := func(r *api.SIPRegistration) {
		r.ApplicationID, r.ApplicationName, r.UserID, r.UserName = api.Ptr(int64(10)), api.Ptr("phones"), api.Ptr(int64(30)), api.Ptr("bob")
	}
	for _, tt := range []struct {
		name    string
		want    []string
		have    []api.SIPRegistration
		unbinds map[string]int64 // by step key
	}{
		{"update takes bob from x", []string{"{sip_username: y, proxy: p, application_name: phones, user_name: bob}"},
			[]api.SIPRegistration{reg(1, "x", "p", bob), reg(2, "y", "p", nil)}, map[string]int64{"y@p": 1}},
		{"create takes bob (by id) from x", []string{"{sip_username: z, proxy: p, application_id: 10, user_id: 30}"},
			[]api.SIPRegistration{reg(1, "x", "p", bob)}, map[string]int64{"z@p": 1}},
		{"x binds another user", []string{"{sip_username: x, proxy: p, application_name: phones, user_name: carol}", "{sip_username: y, proxy: p, application_name: phones, user_name: bob}"},
			[]api.SIPRegistration{reg(1, "x", "p", bob), reg(2, "y", "p", nil)}, map[string]int64{}},
		{"bob is y's already", []string{"{sip_username: y, proxy: p, application_name: phones, user_name: bob, auth_user: new}"},
			[]api.SIPRegistration{reg(2, "y", "p", bob)}, map[string]int64{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want []*desired
			for _, w := range tt.want {
				want = append(want, entry(t, "- "+w, nil))
			}
			p, err := makePlan(want, tt.have, planOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, s := range p.Steps {
				if s.Unbinds != nil {
					got[s.Key.String()] = s.Unbinds.SIPRegistrationID
				}
			}
			if !reflect.DeepEqual(got, tt.unbinds) {
				t.Errorf("unbinds %v, want %v", got, tt.unbinds)
			}
		})
	}
}
