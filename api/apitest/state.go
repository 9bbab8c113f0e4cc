package apitest

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/voxsip/voxsip/generated"
)

// registration is a stored registration: what Get returns, plus what it never returns.
type registration struct {
	generated.SIPRegistration
	password *string
}

// state is everything a Server keeps between requests. The Server's mutex guards it.
type state struct {
	regs  map[int64]*registration
	order []int64 // the ids of regs, ascending: Get pages through it
	// userReg is the registration each user is bound to, by user id (see unbindUserElsewhere).
	userReg map[int64]int64
	lastID  int64
	apps    directory
	rules   directory
	users   directory
	max     int
}

// apiError is a refusal in the API's envelope.
type apiError = generated.APIError

func invalid(format string, args ...any) *apiError {
	return &apiError{Code: int(generated.ErrorCodeInvalidArguments), Msg: "Invalid arguments: " + fmt.Sprintf(format, args...)}
}

// list returns the registrations sorted by id, as copies.
func (st *state) list() []generated.SIPRegistration {
	out := make([]generated.SIPRegistration, 0, len(st.order))
	for _, id := range st.order {
		out = append(out, st.regs[id].SIPRegistration)
	}
	return out
}

// insert stores r, keeping order sorted (a new id is the largest, so this appends).
func (st *state) insert(r *registration) {
	id := r.SIPRegistrationID
	st.regs[id] = r
	if n := len(st.order); n == 0 || st.order[n-1] < id {
		st.order = append(st.order, id)
	} else {
		i, _ := slices.BinarySearch(st.order, id)
		st.order = slices.Insert(st.order, i, id)
	}
	st.lastID = max(st.lastID, id)
}

// bind sets the application, rule and user pairs a request gives on r ("" for a name clears
// the pair). Rules and users are looked up within the registration's application.
func (st *state) bind(r *generated.SIPRegistration, a args) *apiError {
	if p := a.pair("application"); p.given() {
		if p.clears() {
			r.ApplicationID, r.ApplicationName = nil, nil
		} else {
			id, name, err := st.apps.resolve(p, nil)
			if err != nil {
				return err
			}
			r.ApplicationID, r.ApplicationName = id, name
		}
	}
	if p := a.pair("rule"); p.given() {
		if p.clears() {
			r.RuleID, r.RuleName = nil, nil
		} else {
			id, name, err := st.rules.resolve(p, r.ApplicationID)
			if err != nil {
				return err
			}
			r.RuleID, r.RuleName = id, name
		}
	}
	if p := a.pair("user"); p.given() {
		if p.clears() {
			r.UserID, r.UserName = nil, nil
		} else {
			id, name, err := st.users.resolve(p, r.ApplicationID)
			if err != nil {
				return err
			}
			r.UserID, r.UserName = id, name
		}
	}
	return nil
}

// unbindUserElsewhere unbinds r's user from its previous registration: a user has at most one.
// userReg says which one (entries go stale when a binding or registration goes, hence the
// check); every bound user has an id, which the directory gives.
func (st *state) unbindUserElsewhere(r *generated.SIPRegistration, now time.Time) {
	if r.UserID == nil {
		return
	}
	if o := st.regs[st.userReg[*r.UserID]]; o != nil && o.SIPRegistrationID != r.SIPRegistrationID && eqPtr(o.UserID, r.UserID) {
		o.UserID, o.UserName = nil, nil
		o.LastUpdated = now.Unix()
	}
	st.userReg[*r.UserID] = r.SIPRegistrationID
}

func (st *state) lookup(a args) (*registration, *apiError) {
	id := a.int("sip_registration_id")
	if id == nil {
		return nil, refusal(generated.ErrorCodeRequiredIsEmpty, "Required parameter 'sip_registration_id' is empty")
	}
	r := st.regs[*id]
	if r == nil {
		return nil, refusal(generated.ErrorCodeInvalidRegistrationID, "SIP registration %d not found", *id)
	}
	return r, nil
}

func (st *state) create(a args, now time.Time, accountID int64) (any, *apiError) {
	if st.max > 0 && len(st.regs) >= st.max {
		return nil, refusal(generated.ErrorCodeTooManySIPRegistrations, "The maximum number of SIP registrations is exceeded")
	}
	if st.lastID == math.MaxInt64 { // ids never wrap
		return nil, refusal(generated.ErrorCodeTooManySIPRegistrations, "No SIP registration id is left for this account")
	}
	r := generated.SIPRegistration{
		SIPRegistrationID: st.lastID + 1,
		SIPUsername:       *a.str("sip_username"),
		Proxy:             *a.str("proxy"),
		AuthUser:          nonEmpty(a.str("auth_user")),
		OutboundProxy:     nonEmpty(a.str("outbound_proxy")),
		// The spec's default when is_persistent is not given (a nil Params' getter returns it).
		IsPersistent: (*generated.CreateSIPRegistrationParams)(nil).GetIsPersistent(),
	}
	if b := a.bool("is_persistent"); b != nil {
		r.IsPersistent = *b
	}
	// A persistent registration registers at once (and, on the fake, succeeds); a
	// non-persistent one waits for its user to log in.
	if r.IsPersistent {
		r.Successful, r.StatusCode = ptr(true), ptr(200)
	} else {
		r.Successful = ptr(false)
	}
	if err := st.bind(&r, a); err != nil {
		return nil, err
	}
	stampNew(&r, now)
	st.insert(&registration{SIPRegistration: r, password: nonEmpty(a.str("password"))})
	st.unbindUserElsewhere(&r, now)
	return generated.CreateSIPRegistrationResult{
		Result:            1,
		SIPRegistrationID: r.SIPRegistrationID,
		AccountInfo:       &generated.AccountInfo{AccountID: accountID, Frozen: ptr(false)},
	}, nil
}

func (st *state) update(a args, now time.Time) (any, *apiError) {
	stored, err := st.lookup(a)
	if err != nil {
		return nil, err
	}
	r := stored.SIPRegistration // a copy: nothing changes unless all of it succeeds
	for _, f := range []struct {
		name  string
		field *string
	}{{"sip_username", &r.SIPUsername}, {"proxy", &r.Proxy}} {
		if v := a.str(f.name); v != nil { // never "": the spec's minLength refuses it first
			*f.field = *v
		}
	}
	if v := a.str("auth_user"); v != nil {
		r.AuthUser = nonEmpty(v)
	}
	if v := a.str("outbound_proxy"); v != nil {
		r.OutboundProxy = nonEmpty(v)
	}
	if err := st.bind(&r, a); err != nil {
		return nil, err
	}
	if v := a.str("password"); v != nil {
		stored.password = nonEmpty(v)
	}
	r.LastUpdated = now.Unix()
	stored.SIPRegistration = r
	st.unbindUserElsewhere(&r, now)
	return generated.ResultOne{Result: 1}, nil
}

func (st *state) bindOp(a args, now time.Time) (any, *apiError) {
	if b := a.bool("bind"); b != nil && !*b {
		return st.unbind(a, now)
	}
	stored, err := st.lookup(a)
	if err != nil {
		return nil, err
	}
	r := stored.SIPRegistration
	if err := st.bind(&r, a); err != nil {
		return nil, err
	}
	r.LastUpdated = now.Unix()
	stored.SIPRegistration = r
	st.unbindUserElsewhere(&r, now)
	return generated.ResultOne{Result: 1}, nil
}

// unbinding is what a Bind with bind=false names, resolved against the directories.
type unbinding struct{ app, rule, user pair }

// unbind is Bind with bind=false: from one registration, or (without an id) from every one. The
// spec's rules (checked in validate) refuse it with neither an id nor anything to unbind.
func (st *state) unbind(a args, now time.Time) (any, *apiError) {
	targets := st.regs
	if a.int("sip_registration_id") != nil {
		r, err := st.lookup(a)
		if err != nil {
			return nil, err
		}
		targets = map[int64]*registration{r.SIPRegistrationID: r}
	}
	u, err := st.resolveUnbinding(a)
	if err != nil {
		return nil, err
	}
	for _, r := range targets {
		before := r.SIPRegistration
		u.apply(&r.SIPRegistration)
		if !sameBindings(&before, &r.SIPRegistration) {
			r.LastUpdated = now.Unix()
		}
	}
	return generated.ResultOne{Result: 1}, nil
}

// resolveUnbinding resolves what the request names, so that "unknown" is refused and an id
// matches a registration that stores the name.
func (st *state) resolveUnbinding(a args) (unbinding, *apiError) {
	u := unbinding{a.pair("application"), a.pair("rule"), a.pair("user")}
	var appID *int64
	if u.app.given() {
		id, name, err := st.apps.resolve(u.app, nil)
		if err != nil {
			return u, err
		}
		u.app, appID = pair{id: id, name: name}, id
	}
	for _, x := range []struct {
		p *pair
		d *directory
	}{{&u.rule, &st.rules}, {&u.user, &st.users}} {
		if x.p.given() {
			id, name, err := x.d.resolve(*x.p, appID)
			if err != nil {
				return u, err
			}
			*x.p = pair{id: id, name: name}
		}
	}
	return u, nil
}

// apply unbinds from r what u names.
func (u unbinding) apply(r *generated.SIPRegistration) {
	switch {
	case u.rule.given() || u.user.given():
		// The application, if given, only says where the rule or user is.
		if u.app.given() && !u.app.matches(r.ApplicationID, r.ApplicationName) {
			return
		}
		if u.rule.given() && u.rule.matches(r.RuleID, r.RuleName) {
			r.RuleID, r.RuleName = nil, nil
		}
		if u.user.given() && u.user.matches(r.UserID, r.UserName) {
			r.UserID, r.UserName = nil, nil
		}
	case u.app.given():
		// Unbinding the application unbinds its rule and user too.
		if u.app.matches(r.ApplicationID, r.ApplicationName) {
			r.ApplicationID, r.ApplicationName, r.RuleID, r.RuleName, r.UserID, r.UserName = nil, nil, nil, nil, nil, nil
		}
	default: // an id and nothing named: unbind everything from it
		r.ApplicationID, r.ApplicationName, r.RuleID, r.RuleName, r.UserID, r.UserName = nil, nil, nil, nil, nil, nil
	}
}

func sameBindings(a, b *generated.SIPRegistration) bool {
	return a.ApplicationID == b.ApplicationID && a.ApplicationName == b.ApplicationName &&
		a.RuleID == b.RuleID && a.RuleName == b.RuleName && a.UserID == b.UserID && a.UserName == b.UserName
}

func (st *state) delete(a args) (any, *apiError) {
	r, err := st.lookup(a)
	if err != nil {
		return nil, err
	}
	delete(st.regs, r.SIPRegistrationID)
	if i, ok := slices.BinarySearch(st.order, r.SIPRegistrationID); ok {
		st.order = slices.Delete(st.order, i, i+1)
	}
	return generated.ResultOne{Result: 1}, nil
}

func nonEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

func ptr[T any](v T) *T { return &v }
