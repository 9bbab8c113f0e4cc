package main

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/params"
)

// The second stage of apply: the plan, a pure function of the file and the registrations on
// the service.

// Plan actions.
const (
	actCreate    = "create"
	actUpdate    = "update"
	actUnchanged = "unchanged"
	actDelete    = "delete"
	actOrphan    = "not-in-file" // on the service, not in the file, left alone without --prune
)

// change is one field that an update changes.
type change struct {
	Name string  `json:"name"`
	From *string `json:"from"` // nil: not set on the service
	To   string  `json:"to"`
}

// step is one entry of a plan.
type step struct {
	Action       string
	Key          string
	ID           int64
	Changes      []change
	SendPassword bool
	Create       *api.CreateSIPRegistrationParams
	Update       *api.UpdateSIPRegistrationParams
	want         *desired
}

type planOptions struct {
	prune        bool
	setPasswords bool
}

// plan is what apply will do.
type plan struct {
	Steps []step
	// PasswordsNotSent counts entries with a password reference whose password is not sent
	// (existing registrations without --set-passwords).
	PasswordsNotSent int
}

func (p *plan) count(action string) int {
	n := 0
	for _, s := range p.Steps {
		if s.Action == action {
			n++
		}
	}
	return n
}

// changes counts the steps that send something.
func (p *plan) changes() int { return p.count(actCreate) + p.count(actUpdate) + p.count(actDelete) }

// makePlan compares the desired registrations with the service's and says what to do. It is a
// pure function of its inputs.
func makePlan(want []*desired, have []api.SIPRegistration, opt planOptions) (*plan, error) {
	byKey := map[string][]api.SIPRegistration{}
	for _, r := range have {
		k := identity(r.SIPUsername, r.Proxy)
		byKey[k] = append(byKey[k], r)
	}
	var errs []error
	out := &plan{}
	wanted := map[string]bool{}
	for _, d := range want {
		k := d.key()
		if wanted[k] {
			errs = append(errs, fmt.Errorf("line %d: %s is in the file twice", d.line, k))
			continue
		}
		wanted[k] = true
		matches := byKey[k]
		switch len(matches) {
		case 0:
			p := *d.p
			p.Password = d.password
			out.Steps = append(out.Steps, step{Action: actCreate, Key: k, Create: &p, SendPassword: d.password != nil, want: d})
			continue
		case 1:
		default:
			ids := make([]string, len(matches))
			for i, m := range matches {
				ids[i] = fmt.Sprint(m.SIPRegistrationID)
			}
			errs = append(errs, fmt.Errorf("line %d: %d registrations (ids %s) match %s; delete the extra ones first",
				d.line, len(matches), strings.Join(ids, ", "), k))
			continue
		}
		cur := matches[0]
		s, err := diff(d, cur, opt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if d.password != nil && !s.SendPassword {
			out.PasswordsNotSent++
		}
		out.Steps = append(out.Steps, s)
	}
	var rest []api.SIPRegistration
	for _, r := range have {
		if !wanted[identity(r.SIPUsername, r.Proxy)] {
			rest = append(rest, r)
		}
	}
	slices.SortFunc(rest, func(a, b api.SIPRegistration) int { return cmp.Compare(a.SIPRegistrationID, b.SIPRegistrationID) })
	for _, r := range rest {
		a := actOrphan
		if opt.prune {
			a = actDelete
		}
		out.Steps = append(out.Steps, step{Action: a, Key: identity(r.SIPUsername, r.Proxy), ID: r.SIPRegistrationID})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// bindingParams are the parameters of UpdateSipRegistration's rules (the binding pairs): when
// one of them changes, all the entry sets are sent, so that the request keeps to the rules.
var bindingParams = func() []string {
	var names []string
	for _, r := range opUpdate.op.Rules {
		for _, n := range slices.Concat(r.AtMostOne, r.IfAny, r.RequireAny) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names
}()

// diff compares one desired entry with the registration that has its identity.
func diff(d *desired, cur api.SIPRegistration, opt planOptions) (step, error) {
	s := step{Action: actUnchanged, Key: d.key(), ID: cur.SIPRegistrationID, want: d}
	up := &api.UpdateSIPRegistrationParams{SIPRegistrationID: cur.SIPRegistrationID}
	bindingChanged := false
	for _, name := range d.set {
		if name == "sip_username" || name == "proxy" {
			continue // the identity
		}
		v, _ := opCreate.op.Value(d.p, name)
		to := params.Format(v)
		from, present := currentValue(cur, name)
		if present && from == to || !present && to == "" && v.Kind() == reflect.String {
			continue
		}
		if _, ok := opUpdate.op.Lookup(name); !ok {
			return s, fmt.Errorf("line %d: %s: %s is %s in the file but %s on the service, and %s cannot change it; "+
				"delete and recreate the registration", d.line, s.Key, name, to, cmp.Or(from, "unset"), opUpdate.op.ID)
		}
		c := change{Name: name, To: to}
		if present {
			c.From = &from
		}
		s.Changes = append(s.Changes, c)
		opUpdate.op.Set(up, name, to)
		if slices.Contains(bindingParams, name) {
			bindingChanged = true
		}
	}
	if bindingChanged {
		for _, name := range d.set {
			if v, ok := opCreate.op.Value(d.p, name); ok && slices.Contains(bindingParams, name) {
				opUpdate.op.Set(up, name, params.Format(v))
			}
		}
	}
	if d.password != nil && opt.setPasswords {
		up.Password = d.password
		s.SendPassword = true
	}
	if len(s.Changes) > 0 || s.SendPassword {
		s.Action, s.Update = actUpdate, up
	}
	return s, nil
}

// currentValue returns the registration's field with the API name, as text, if present.
func currentValue(r api.SIPRegistration, name string) (string, bool) {
	v := reflect.ValueOf(r)
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag != name {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				return "", false
			}
			fv = fv.Elem()
		}
		return fmt.Sprint(fv.Interface()), true
	}
	return "", false
}
