package main

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/printable"
)

// The second stage of apply: the plan, a pure function of the file and the registrations on
// the service.

// regKey identifies a registration for apply: its sip_username and proxy, compared as a pair
// by their identity (regKey.identity: the proxy's host in any case, with or without a trailing
// dot).
// Never joined into one string to compare: "bob" at "sip.example.com@x" would then be the
// same registration as "bob@sip" at "example.com@x" or "bob@sip.example.com" at "x".
type regKey struct{ SIPUsername, Proxy string }

func keyOf(r api.SIPRegistration) regKey { return regKey{r.SIPUsername, r.Proxy} }

// String shows the key to people: user@proxy, control characters escaped.
func (k regKey) String() string { return printable.String(k.joined()) }

// joined is user@proxy as it is, for JSON output.
func (k regKey) joined() string { return k.SIPUsername + "@" + k.Proxy }

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
	Key          regKey
	ID           int64
	Changes      []change
	SendPassword bool
	Unbinds      *api.SIPRegistration // the registration the user this step binds is taken from
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
// pure function of its inputs. It first refuses what checkUnique and checkUsersTellable refuse,
// with what the service's registrations show of the account's ids and names.
func makePlan(want []*desired, have []api.SIPRegistration, opt planOptions) (*plan, error) {
	known := knownFrom(have)
	if err := checkUnique(want, known); err != nil {
		return nil, err
	}
	if err := checkUsersTellable(want, known); err != nil {
		return nil, err
	}
	byKey := map[regKey][]api.SIPRegistration{} // by identity
	for _, r := range have {
		id := keyOf(r).identity()
		byKey[id] = append(byKey[id], r)
	}
	var errs []error
	out := &plan{}
	wanted := map[regKey]bool{} // by identity
	for _, d := range want {
		k := d.key()
		id := k.identity()
		wanted[id] = true
		matches := byKey[id]
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
	out.Steps = append(out.Steps, orphanSteps(have, wanted, opt)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	known.noteUnbinds(out.Steps)
	return out, nil
}

// orphanSteps are the steps for the registrations the file does not want (by identity), by id:
// deletes with --prune, else orphans to show.
func orphanSteps(have []api.SIPRegistration, wanted map[regKey]bool, opt planOptions) []step {
	var rest []api.SIPRegistration
	for _, r := range have {
		if !wanted[keyOf(r).identity()] {
			rest = append(rest, r)
		}
	}
	slices.SortFunc(rest, func(a, b api.SIPRegistration) int { return cmp.Compare(a.SIPRegistrationID, b.SIPRegistrationID) })
	steps := make([]step, 0, len(rest))
	for _, r := range rest {
		a := actOrphan
		if opt.prune {
			a = actDelete
		}
		steps = append(steps, step{Action: a, Key: keyOf(r), ID: r.SIPRegistrationID})
	}
	return steps
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
		to, _ := opCreate.op.Text(d.p, name)
		f, _ := opCreate.op.Lookup(name)
		from, present := currentValue(cur, name)
		if present && from == to || !present && to == "" && f.Type == "string" {
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
			if v, ok := opCreate.op.Text(d.p, name); ok && slices.Contains(bindingParams, name) {
				opUpdate.op.Set(up, name, v)
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
	if get, ok := registrationFields[name]; ok {
		return get(&r)
	}
	return "", false
}

// registrationFields reads the fields of a registration that an apply file can set (the
// parameters of CreateSipRegistration that GetSipRegistrations returns), by API name, as text,
// through the generated accessors; the bool says whether the service sent the field.
// TestRegistrationFieldsFollowTheSpec keeps it complete.
var registrationFields = map[string]func(r *api.SIPRegistration) (string, bool){
	"sip_username":   func(r *api.SIPRegistration) (string, bool) { return r.SIPUsername, true },
	"proxy":          func(r *api.SIPRegistration) (string, bool) { return r.Proxy, true },
	"is_persistent":  func(r *api.SIPRegistration) (string, bool) { return strconv.FormatBool(r.IsPersistent), true },
	"auth_user":      func(r *api.SIPRegistration) (string, bool) { return r.GetAuthUser(), r.AuthUser != nil },
	"outbound_proxy": func(r *api.SIPRegistration) (string, bool) { return r.GetOutboundProxy(), r.OutboundProxy != nil },
	"application_id": func(r *api.SIPRegistration) (string, bool) {
		return strconv.FormatInt(r.GetApplicationID(), 10), r.ApplicationID != nil
	},
	"application_name": func(r *api.SIPRegistration) (string, bool) { return r.GetApplicationName(), r.ApplicationName != nil },
	"rule_id": func(r *api.SIPRegistration) (string, bool) {
		return strconv.FormatInt(r.GetRuleID(), 10), r.RuleID != nil
	},
	"rule_name": func(r *api.SIPRegistration) (string, bool) { return r.GetRuleName(), r.RuleName != nil },
	"user_id": func(r *api.SIPRegistration) (string, bool) {
		return strconv.FormatInt(r.GetUserID(), 10), r.UserID != nil
	},
	"user_name": func(r *api.SIPRegistration) (string, bool) { return r.GetUserName(), r.UserName != nil },
}
