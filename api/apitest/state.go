package apitest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/voxsip/voxsip/generated"
	paramcodec "github.com/voxsip/voxsip/internal/params"
)

// Codes the fake answers with when the state refuses a request (see the package doc).
const (
	// CodeInvalidArguments (101) answers a request that breaks the contract or a parameter
	// rule, and a reference to something that does not exist: a registration id, or, when the
	// server is seeded with them, an application, rule or user.
	CodeInvalidArguments = 101
	// CodeMissingCmd (102) answers POST /platform_api without a cmd parameter.
	CodeMissingCmd = 102
	// CodeUnknownCommand (103) answers a method that is not in openapi.yaml.
	CodeUnknownCommand = 103
	// CodeTooManyRegistrations (272) answers CreateSipRegistration once the account has
	// MaxRegistrations registrations.
	CodeTooManyRegistrations = 272
)

// SubscriptionPrice is the monthly price the fake gives every registration it creates.
const SubscriptionPrice = "0.5000"

// DefaultPageSize is the page size of GetSipRegistrations when count is not given.
const DefaultPageSize = 20

// Application is an application of the account, for seeding (see [Seed]).
type Application struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Rule is a rule of an application, for seeding. Rule names are unique within an application.
type Rule struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	ApplicationID int64  `json:"application_id"`
}

// User is a user of an application, for seeding. User names are unique within an application.
type User struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	ApplicationID int64  `json:"application_id"`
}

// Seed is a state for the fake to start from ([WithSeed], voxsip serve --seed FILE) or to be
// reset to ([Server.Seed], POST /_apitest/seed). In JSON its keys are the tags below, and the
// registrations are written as GetSipRegistrations returns them.
//
// Applications, Rules and Users are each checked only when given: nil (absent in JSON) accepts
// any reference and keeps it as sent; a non-nil list (even empty, "[]" in JSON) makes the fake
// refuse references to anything not in it, and fill in the name of an id and the id of a name.
type Seed struct {
	Registrations []generated.SIPRegistration `json:"registrations,omitempty"`
	Applications  []Application               `json:"applications,omitempty"`
	Rules         []Rule                      `json:"rules,omitempty"`
	Users         []User                      `json:"users,omitempty"`
	// MaxRegistrations is the account's limit (code 272 beyond it); 0 means no limit.
	MaxRegistrations int `json:"max_registrations,omitempty"`
}

// ParseSeed decodes a seed file (JSON; unknown keys are an error, to catch typos).
func ParseSeed(data []byte) (Seed, error) {
	var sd Seed
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sd); err != nil {
		return Seed{}, fmt.Errorf("apitest: seed: %w", err)
	}
	// "applications": [] must mean "none exist", not "any": json leaves an empty list non-nil.
	return sd, nil
}

// LoadSeed reads and decodes the seed file at path.
func LoadSeed(path string) (Seed, error) {
	f, err := os.Open(path)
	if err != nil {
		return Seed{}, fmt.Errorf("apitest: %w", err)
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return Seed{}, fmt.Errorf("apitest: seed %s is a directory, want a JSON file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSeedBytes+1))
	if err != nil {
		return Seed{}, fmt.Errorf("apitest: reading seed %s: %w", path, err)
	}
	if len(data) > MaxSeedBytes {
		return Seed{}, fmt.Errorf("apitest: seed %s is larger than %d MiB", path, MaxSeedBytes>>20)
	}
	return ParseSeed(data)
}

// MaxSeedBytes bounds what LoadSeed reads, so that a pipe or a device cannot make it read
// forever.
const MaxSeedBytes = 64 << 20

// registration is a stored registration: what Get returns, plus what it never returns.
type registration struct {
	generated.SIPRegistration
	password *string
}

// entity is an application, rule or user the fake knows (AppID 0 for applications).
type entity struct {
	ID    int64
	Name  string
	AppID int64
}

// directory is the known applications, rules or users; known false accepts any reference.
type directory struct {
	kind  string
	known bool
	items []entity
}

// state is everything a Server keeps between requests. The Server's mutex guards it.
type state struct {
	regs   map[int64]*registration
	lastID int64
	apps   directory
	rules  directory
	users  directory
	max    int
}

// apiError is a refusal in the API's envelope.
type apiError = generated.APIError

func invalid(format string, args ...any) *apiError {
	return &apiError{Code: CodeInvalidArguments, Msg: "Invalid arguments: " + fmt.Sprintf(format, args...)}
}

// newState builds a state from sd, filling what a seeded registration leaves out from now.
func newState(sd Seed, now time.Time) (*state, error) {
	st := &state{
		regs:  map[int64]*registration{},
		apps:  directory{kind: "application", known: sd.Applications != nil},
		rules: directory{kind: "rule", known: sd.Rules != nil},
		users: directory{kind: "user", known: sd.Users != nil},
		max:   sd.MaxRegistrations,
	}
	for _, a := range sd.Applications {
		st.apps.items = append(st.apps.items, entity{ID: a.ID, Name: a.Name})
	}
	for _, r := range sd.Rules {
		st.rules.items = append(st.rules.items, entity{ID: r.ID, Name: r.Name, AppID: r.ApplicationID})
	}
	for _, u := range sd.Users {
		st.users.items = append(st.users.items, entity{ID: u.ID, Name: u.Name, AppID: u.ApplicationID})
	}
	for _, d := range []*directory{&st.apps, &st.rules, &st.users} {
		for _, e := range d.items {
			if e.ID < 1 || e.Name == "" {
				return nil, fmt.Errorf("apitest: seed: %s %d %q: needs an id of at least 1 and a name", d.kind, e.ID, e.Name)
			}
		}
	}
	for _, r := range sd.Registrations {
		if r.SIPRegistrationID < 0 {
			return nil, fmt.Errorf("apitest: seed: registration id %d", r.SIPRegistrationID)
		}
		st.lastID = max(st.lastID, r.SIPRegistrationID)
	}
	for _, r := range sd.Registrations {
		if r.SIPRegistrationID == 0 {
			st.lastID++
			r.SIPRegistrationID = st.lastID
		}
		if st.regs[r.SIPRegistrationID] != nil {
			return nil, fmt.Errorf("apitest: seed: registration %d given twice", r.SIPRegistrationID)
		}
		if r.SIPUsername == "" {
			r.SIPUsername = "user" + strconv.FormatInt(r.SIPRegistrationID, 10)
		}
		if r.Proxy == "" {
			r.Proxy = "sip.example.com"
		}
		stampNew(&r, now)
		st.regs[r.SIPRegistrationID] = &registration{SIPRegistration: r}
	}
	return st, nil
}

// stampNew fills the fields the API sets when it creates a registration, where they are unset.
func stampNew(r *generated.SIPRegistration, now time.Time) {
	now = now.UTC()
	if r.LastUpdated == 0 {
		r.LastUpdated = now.Unix()
	}
	if r.PurchaseDate == "" {
		r.PurchaseDate = now.Format(time.DateTime)
	}
	if r.NextSubscriptionRenewal == "" {
		r.NextSubscriptionRenewal = now.AddDate(0, 1, 0).Format(time.DateOnly)
	}
	if r.SubscriptionPrice == "" {
		r.SubscriptionPrice = SubscriptionPrice
	}
}

// list returns the registrations sorted by id, as copies.
func (st *state) list() []generated.SIPRegistration {
	out := make([]generated.SIPRegistration, 0, len(st.regs))
	for _, r := range st.regs {
		out = append(out, r.SIPRegistration)
	}
	slices.SortFunc(out, func(a, b generated.SIPRegistration) int { return cmp.Compare(a.SIPRegistrationID, b.SIPRegistrationID) })
	return out
}

// args reads an operation's decoded parameters by their API names.
type args struct {
	op *paramcodec.Op
	p  any
}

func (a args) str(name string) *string {
	s, ok := a.op.Text(a.p, name)
	if !ok {
		return nil
	}
	return &s
}

func (a args) int(name string) *int64 {
	s, ok := a.op.Text(a.p, name)
	n, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil {
		return nil
	}
	return &n
}

func (a args) bool(name string) *bool {
	s, ok := a.op.Text(a.p, name)
	if !ok {
		return nil
	}
	b := s == "true"
	return &b
}

// pair is one of the binding alternatives as a request gives it: an id or a name (or neither).
type pair struct {
	id   *int64
	name *string
}

func (a args) pair(prefix string) pair {
	return pair{id: a.int(prefix + "_id"), name: a.str(prefix + "_name")}
}

func (p pair) given() bool  { return p.id != nil || p.name != nil }
func (p pair) clears() bool { return p.id == nil && p.name != nil && *p.name == "" }

// resolve checks p against the directory (when known) and returns the id and name to store:
// both, when the fake knows the entity; as sent otherwise. appID scopes rules and users.
func (d *directory) resolve(p pair, appID *int64) (*int64, *string, *apiError) {
	if !d.known {
		return p.id, p.name, nil
	}
	for i := range d.items {
		e := &d.items[i]
		scoped := appID == nil || e.AppID == 0 || e.AppID == *appID
		switch {
		case p.id != nil && e.ID == *p.id:
			if !scoped {
				return nil, nil, invalid("%s %d does not belong to application %d", d.kind, e.ID, *appID)
			}
		case p.name != nil && e.Name == *p.name && scoped:
		default:
			continue
		}
		id, name := e.ID, e.Name
		return &id, &name, nil
	}
	if p.id != nil {
		return nil, nil, invalid("%s %d not found", d.kind, *p.id)
	}
	if appID != nil && d.kind != "application" {
		return nil, nil, invalid("%s %q not found in application %d", d.kind, *p.name, *appID)
	}
	return nil, nil, invalid("%s %q not found", d.kind, *p.name)
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

// unbindUserElsewhere unbinds r's user from every other registration: a user has at most one.
func (st *state) unbindUserElsewhere(r *generated.SIPRegistration, now time.Time) {
	if r.UserID == nil && r.UserName == nil {
		return
	}
	for _, o := range st.regs {
		if o.SIPRegistrationID == r.SIPRegistrationID {
			continue
		}
		if eqPtr(o.UserID, r.UserID) || eqPtr(o.UserName, r.UserName) {
			o.UserID, o.UserName = nil, nil
			o.LastUpdated = now.Unix()
		}
	}
}

// eqPtr reports whether both are set and equal.
func eqPtr[T comparable](a, b *T) bool { return a != nil && b != nil && *a == *b }

// matches reports whether a registration's pair is the one p names.
func (p pair) matches(id *int64, name *string) bool {
	return (p.id != nil && eqPtr(id, p.id)) || (p.name != nil && eqPtr(name, p.name))
}

func (st *state) lookup(a args) (*registration, *apiError) {
	id := a.int("sip_registration_id")
	if id == nil {
		return nil, invalid("sip_registration_id is required")
	}
	r := st.regs[*id]
	if r == nil {
		return nil, invalid("SIP registration %d not found", *id)
	}
	return r, nil
}

func (st *state) create(a args, now time.Time, accountID int64) (any, *apiError) {
	if st.max > 0 && len(st.regs) >= st.max {
		return nil, &apiError{Code: CodeTooManyRegistrations, Msg: "The maximum number of SIP registrations is exceeded"}
	}
	r := generated.SIPRegistration{
		SIPRegistrationID: st.lastID + 1,
		SIPUsername:       *a.str("sip_username"),
		Proxy:             *a.str("proxy"),
		AuthUser:          nonEmpty(a.str("auth_user")),
		OutboundProxy:     nonEmpty(a.str("outbound_proxy")),
		IsPersistent:      true,
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
	st.lastID = r.SIPRegistrationID
	st.regs[r.SIPRegistrationID] = &registration{SIPRegistration: r, password: nonEmpty(a.str("password"))}
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
	if b := a.bool("bind"); b == nil || *b {
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

	// Unbind: from one registration, or (without an id) from every registration.
	targets := st.regs
	if a.int("sip_registration_id") != nil {
		r, err := st.lookup(a)
		if err != nil {
			return nil, err
		}
		targets = map[int64]*registration{r.SIPRegistrationID: r}
	}
	app, rule, user := a.pair("application"), a.pair("rule"), a.pair("user")
	// Resolve what the request names, so that "unknown" is refused and an id matches a
	// registration that stores the name.
	var appID *int64
	if app.given() {
		id, name, err := st.apps.resolve(app, nil)
		if err != nil {
			return nil, err
		}
		app, appID = pair{id: id, name: name}, id
	}
	for _, x := range []struct {
		p *pair
		d *directory
	}{{&rule, &st.rules}, {&user, &st.users}} {
		if x.p.given() {
			id, name, err := x.d.resolve(*x.p, appID)
			if err != nil {
				return nil, err
			}
			*x.p = pair{id: id, name: name}
		}
	}
	if !app.given() && !rule.given() && !user.given() && a.int("sip_registration_id") == nil {
		return nil, invalid("bind=false needs sip_registration_id or what to unbind")
	}
	for _, r := range targets {
		before := r.SIPRegistration
		switch {
		case rule.given() || user.given():
			// The application, if given, only says where the rule or user is.
			if app.given() && !app.matches(r.ApplicationID, r.ApplicationName) {
				continue
			}
			if rule.given() && rule.matches(r.RuleID, r.RuleName) {
				r.RuleID, r.RuleName = nil, nil
			}
			if user.given() && user.matches(r.UserID, r.UserName) {
				r.UserID, r.UserName = nil, nil
			}
		case app.given():
			// Unbinding the application unbinds its rule and user too.
			if app.matches(r.ApplicationID, r.ApplicationName) {
				r.ApplicationID, r.ApplicationName, r.RuleID, r.RuleName, r.UserID, r.UserName = nil, nil, nil, nil, nil, nil
			}
		default: // an id and nothing named: unbind everything from it
			r.ApplicationID, r.ApplicationName, r.RuleID, r.RuleName, r.UserID, r.UserName = nil, nil, nil, nil, nil, nil
		}
		if !sameBindings(&before, &r.SIPRegistration) {
			r.LastUpdated = now.Unix()
		}
	}
	return generated.ResultOne{Result: 1}, nil
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
	return generated.ResultOne{Result: 1}, nil
}

func (st *state) get(a args) (any, *apiError) {
	f, err := newFilter(a)
	if err != nil {
		return nil, err
	}
	var match []generated.SIPRegistration
	for _, r := range st.list() {
		if f.keep(&r) {
			match = append(match, r)
		}
	}
	offset, count := int64(0), int64(DefaultPageSize)
	if v := a.int("offset"); v != nil {
		offset = *v
	}
	if v := a.int("count"); v != nil {
		count = *v
	}
	page := []generated.SIPRegistration{}
	if n := int64(len(match)); offset < n {
		page = match[offset : offset+min(count, n-offset)] // not offset+count: it may overflow
	}
	return generated.GetSIPRegistrationsResult{Result: page, Count: int64(len(match))}, nil
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

func newFilter(a args) (*filter, *apiError) {
	f := &filter{}
	add := func(t func(r *generated.SIPRegistration) bool) { f.tests = append(f.tests, t) }
	if v := a.int("sip_registration_id"); v != nil {
		add(func(r *generated.SIPRegistration) bool { return r.SIPRegistrationID == *v })
	}
	if v := a.str("sip_username"); v != nil {
		add(func(r *generated.SIPRegistration) bool { return r.SIPUsername == *v })
	}
	for name, get := range map[string]func(r *generated.SIPRegistration) bool{
		"deactivated":             func(r *generated.SIPRegistration) bool { return r.Deactivated },
		"successful":              func(r *generated.SIPRegistration) bool { return r.Successful != nil && *r.Successful },
		"is_persistent":           func(r *generated.SIPRegistration) bool { return r.IsPersistent },
		"is_bound_to_application": func(r *generated.SIPRegistration) bool { return r.ApplicationID != nil || r.ApplicationName != nil },
		// In progress: no attempt has finished yet (the fake's registrations finish at once,
		// so only seeded ones without successful and status_code are in progress).
		"in_progress": func(r *generated.SIPRegistration) bool { return r.Successful == nil && r.StatusCode == nil },
	} {
		if want := a.bool(name); want != nil {
			add(func(r *generated.SIPRegistration) bool { return get(r) == *want })
		}
	}
	for name, get := range map[string]func(r *generated.SIPRegistration) *int64{
		"application_id": func(r *generated.SIPRegistration) *int64 { return r.ApplicationID },
		"rule_id":        func(r *generated.SIPRegistration) *int64 { return r.RuleID },
		"user_id":        func(r *generated.SIPRegistration) *int64 { return r.UserID },
	} {
		v := a.str(name)
		if v == nil {
			continue
		}
		if *v == "any" {
			add(func(r *generated.SIPRegistration) bool { return get(r) != nil })
			continue
		}
		ids := map[int64]bool{}
		for _, s := range strings.Split(*v, ";") {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, invalid("%s: %q is not an id", name, s)
			}
			ids[n] = true
		}
		add(func(r *generated.SIPRegistration) bool { id := get(r); return id != nil && ids[*id] })
	}
	for name, get := range map[string]func(r *generated.SIPRegistration) *string{
		"application_name": func(r *generated.SIPRegistration) *string { return r.ApplicationName },
		"rule_name":        func(r *generated.SIPRegistration) *string { return r.RuleName },
		"user_name":        func(r *generated.SIPRegistration) *string { return r.UserName },
		"proxy":            func(r *generated.SIPRegistration) *string { return &r.Proxy },
	} {
		if v := a.str(name); v != nil {
			names := strings.Split(*v, ";")
			add(func(r *generated.SIPRegistration) bool { s := get(r); return s != nil && slices.Contains(names, *s) })
		}
	}
	if v := a.str("status_code"); v != nil {
		type span struct{ lo, hi int64 }
		var spans []span
		for _, item := range strings.Split(*v, ";") {
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
		add(func(r *generated.SIPRegistration) bool {
			if r.StatusCode == nil {
				return false
			}
			c := int64(*r.StatusCode)
			return slices.ContainsFunc(spans, func(s span) bool { return s.lo <= c && c <= s.hi })
		})
	}
	return f, nil
}

func nonEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

func ptr[T any](v T) *T { return &v }
