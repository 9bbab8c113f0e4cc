package apitest

import (
	"slices"
	"strconv"
	"strings"

	"github.com/voxsip/voxsip/generated"
)

func (st *state) get(a args) (any, *apiError) {
	f, err := newFilter(a)
	if err != nil {
		return nil, err
	}
	offset, count := int64(0), int64(DefaultPageSize)
	if v := a.int("offset"); v != nil {
		offset = *v
	}
	if v := a.int("count"); v != nil {
		count = min(*v, MaxPageSize)
	}
	ids := st.order
	if id := a.int("sip_registration_id"); id != nil { // one registration at most
		ids = nil
		if st.regs[*id] != nil {
			ids = []int64{*id}
		}
	}
	page := make([]generated.SIPRegistration, 0, min(count, int64(len(ids))))
	if len(f.tests) == 0 { // no filter: the page is a slice of the index
		n := int64(len(ids))
		start := min(offset, n)
		for _, id := range ids[start : start+min(count, n-start)] {
			page = append(page, st.regs[id].SIPRegistration)
		}
		return generated.GetSIPRegistrationsResult{Result: page, Count: n}, nil
	}
	matched := int64(0)
	for _, id := range ids {
		r := &st.regs[id].SIPRegistration
		if !f.keep(r) {
			continue
		}
		if matched >= offset && int64(len(page)) < count {
			page = append(page, *r)
		}
		matched++
	}
	return generated.GetSIPRegistrationsResult{Result: page, Count: matched}, nil
}

// filter is GetSipRegistrations' filters, parsed once.
type filter struct {
	tests []func(r *generated.SIPRegistration) bool
}

func (f *filter) keep(r *generated.SIPRegistration) bool {
	for _, t := range f.tests {
		if !t(r) {
			return false
		}
	}
	return true
}

// test is one filter of a Get: whether a registration passes it.
type test = func(r *generated.SIPRegistration) bool

// boolFilters are the boolean filters, by parameter name.
var boolFilters = map[string]func(r *generated.SIPRegistration) bool{
	"deactivated":             func(r *generated.SIPRegistration) bool { return r.Deactivated },
	"successful":              func(r *generated.SIPRegistration) bool { return r.Successful != nil && *r.Successful },
	"is_persistent":           func(r *generated.SIPRegistration) bool { return r.IsPersistent },
	"is_bound_to_application": func(r *generated.SIPRegistration) bool { return r.ApplicationID != nil || r.ApplicationName != nil },
	// In progress: no attempt has finished yet (the fake's registrations finish at once, so
	// only seeded ones without successful and status_code are in progress).
	"in_progress": func(r *generated.SIPRegistration) bool { return r.Successful == nil && r.StatusCode == nil },
}

// idListFilters are the filters that take a ";" list of ids or "any", by parameter name.
var idListFilters = map[string]func(r *generated.SIPRegistration) *int64{
	"application_id": func(r *generated.SIPRegistration) *int64 { return r.ApplicationID },
	"rule_id":        func(r *generated.SIPRegistration) *int64 { return r.RuleID },
	"user_id":        func(r *generated.SIPRegistration) *int64 { return r.UserID },
}

// nameListFilters are the filters that take a ";" list of names, by parameter name.
var nameListFilters = map[string]func(r *generated.SIPRegistration) *string{
	"application_name": func(r *generated.SIPRegistration) *string { return r.ApplicationName },
	"rule_name":        func(r *generated.SIPRegistration) *string { return r.RuleName },
	"user_name":        func(r *generated.SIPRegistration) *string { return r.UserName },
	"proxy":            func(r *generated.SIPRegistration) *string { return &r.Proxy },
}

// newFilter parses the filters a Get gives, except sip_registration_id, which get looks up.
func newFilter(a args) (*filter, *apiError) {
	f := &filter{}
	if v := a.str("sip_username"); v != nil {
		f.tests = append(f.tests, func(r *generated.SIPRegistration) bool { return r.SIPUsername == *v })
	}
	for name, get := range boolFilters {
		if want := a.bool(name); want != nil {
			f.tests = append(f.tests, func(r *generated.SIPRegistration) bool { return get(r) == *want })
		}
	}
	for name, get := range idListFilters {
		if v := a.str(name); v != nil {
			t, err := idListTest(name, *v, get)
			if err != nil {
				return nil, err
			}
			f.tests = append(f.tests, t)
		}
	}
	for name, get := range nameListFilters {
		if v := a.str(name); v != nil {
			names := strings.Split(*v, ";")
			f.tests = append(f.tests, func(r *generated.SIPRegistration) bool { s := get(r); return s != nil && slices.Contains(names, *s) })
		}
	}
	if v := a.str("status_code"); v != nil {
		t, err := statusTest(*v)
		if err != nil {
			return nil, err
		}
		f.tests = append(f.tests, t)
	}
	return f, nil
}

// idListTest tests a registration's id (get) against v, a ";" list of ids or "any".
func idListTest(name, v string, get func(r *generated.SIPRegistration) *int64) (test, *apiError) {
	if v == "any" {
		return func(r *generated.SIPRegistration) bool { return get(r) != nil }, nil
	}
	ids := map[int64]bool{}
	for _, s := range strings.Split(v, ";") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, invalid("%s: %q is not an id", name, s)
		}
		ids[n] = true
	}
	return func(r *generated.SIPRegistration) bool { id := get(r); return id != nil && ids[*id] }, nil
}

// statusTest tests a registration's status_code against v, a ";" list of codes and ranges a:b.
func statusTest(v string) (test, *apiError) {
	type span struct{ lo, hi int64 }
	var spans []span
	for _, item := range strings.Split(v, ";") {
		lo, hi, isRange := strings.Cut(item, ":")
		a, err1 := strconv.ParseInt(lo, 10, 64)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.ParseInt(hi, 10, 64)
		}
		if err1 != nil || err2 != nil || b < a {
			return nil, invalid("status_code: %q is not a code or a range a:b", item)
		}
		spans = append(spans, span{a, b})
	}
	return func(r *generated.SIPRegistration) bool {
		if r.StatusCode == nil {
			return false
		}
		c := int64(*r.StatusCode)
		return slices.ContainsFunc(spans, func(s span) bool { return s.lo <= c && c <= s.hi })
	}, nil
}
