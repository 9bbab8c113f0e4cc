package apitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/voxsip/voxsip/generated"
)

// SubscriptionPrice is the monthly price the fake gives every registration it creates.
const SubscriptionPrice = "0.5000"

// DefaultPageSize is the page size of GetSipRegistrations when count is not given, and
// MaxPageSize the largest page it returns (a larger count is cut to it): the default and the
// maximum other Management API list methods document (GetSipRegistrations documents neither).
const (
	DefaultPageSize = 20
	MaxPageSize     = 1000
)

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
// reset to ([Server.Seed], POST /_apitest/seed). In JSON its keys are the tags below, exactly,
// and the registrations are written as GetSipRegistrations returns them; a registration that
// leaves out is_persistent (or another field with a default for CreateSipRegistration in
// openapi.yaml) gets the spec's default, as a created one does (in Go, the field is as set).
//
// Applications, Rules and Users are each checked only when given: nil (absent in JSON) makes the
// fake create what a request names on first reference (with a stable id, or the id given and a
// name made from it); a non-nil list (even empty, "[]" in JSON) makes it refuse references to
// anything not in it. Either way a registration bound by a name also gets the id, and the other
// way round. See api/apitest/testdata/seed.example.json.
//
// A seed is refused (by ParseSeed with the line in the file) for: an unknown key, a key that is
// not exactly a field's name ("Users", which encoding/json alone would take), a key given twice
// in an object, a value of the wrong type, data after the object, a negative
// max_registrations, an id given twice, a purchase_date that is not
// "YYYY-MM-DD HH:mm:ss" or a next_subscription_renewal that is not "YYYY-MM-DD", a reference
// to an application, rule or user a seeded list lacks, and a user bound to two registrations.
// A byte order mark before the JSON is ignored.
type Seed struct {
	Registrations []generated.SIPRegistration `json:"registrations,omitempty"`
	Applications  []Application               `json:"applications,omitempty"`
	Rules         []Rule                      `json:"rules,omitempty"`
	Users         []User                      `json:"users,omitempty"`
	// MaxRegistrations is the account's limit (code 272 beyond it); 0 means no limit.
	MaxRegistrations int `json:"max_registrations,omitempty"`

	lines map[string][]int // where each item of the lists is in the file ParseSeed read
}

// ParseSeed decodes a seed file (JSON; unknown or inexact keys and data after the object are an
// error, to catch typos) and checks it as the server would load it, naming the line of a refusal.
func ParseSeed(data []byte) (Seed, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")) // a byte order mark (Notepad) is not JSON
	var sd Seed
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sd); err != nil {
		return Seed{}, fmt.Errorf("apitest: seed: %s%w", lineOfError(data, err), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Seed{}, fmt.Errorf("apitest: seed: line %d: data after the seed's JSON object", lineAt(data, dec.InputOffset()))
	}
	sc, err := scanSeed(data, defaultNames)
	if err != nil {
		return Seed{}, fmt.Errorf("apitest: seed: %w", err)
	}
	sd.lines = sc.lines
	if err := sd.fillDefaults(sc.absent); err != nil {
		return Seed{}, fmt.Errorf("apitest: seed: %w", err)
	}
	if _, err := newState(sd, time.Now()); err != nil {
		return Seed{}, err
	}
	return sd, nil
}

// lineOfError is "line N: " for a decoding error that has an offset.
func lineOfError(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("line %d: ", lineAt(data, syn.Offset))
	case errors.As(err, &typ):
		return fmt.Sprintf("line %d: ", lineAt(data, typ.Offset))
	}
	return ""
}

// lineAt is the line of data's byte offset, counting from 1.
func lineAt(data []byte, offset int64) int {
	return bytes.Count(data[:min(max(offset, 0), int64(len(data)))], []byte("\n")) + 1
}

// where names item i of list key: its line in the seed file, or its place in the list.
func (sd *Seed) where(key string, i int) string {
	if l := sd.lines[key]; i < len(l) {
		return fmt.Sprintf("line %d: ", l[i])
	}
	return fmt.Sprintf("%s[%d]: ", key, i)
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
	sd, err := ParseSeed(data)
	if err != nil {
		return Seed{}, fmt.Errorf("%w (in %s)", err, path)
	}
	return sd, nil
}

// MaxSeedBytes bounds what LoadSeed reads, so that a pipe or a device cannot make it read
// forever.
const MaxSeedBytes = 64 << 20

// newState builds a state from sd, filling what a seeded registration leaves out from now.
func newState(sd Seed, now time.Time) (*state, error) {
	st := &state{
		regs:    map[int64]*registration{},
		userReg: map[int64]int64{},
		apps: newDirectory("application", sd.Applications != nil, refCodes{generated.ErrorCodeInvalidApplicationID,
			generated.ErrorCodeInvalidApplicationName, generated.ErrorCodeInvalidApplicationID}),
		rules: newDirectory("rule", sd.Rules != nil, refCodes{generated.ErrorCodeInvalidRuleID,
			generated.ErrorCodeInvalidRuleName, generated.ErrorCodeInvalidRuleID}),
		users: newDirectory("user", sd.Users != nil, refCodes{generated.ErrorCodeInvalidUserID,
			generated.ErrorCodeInvalidUserID, generated.ErrorCodeUserNotBoundToApplication}),
		max: sd.MaxRegistrations,
	}
	if sd.MaxRegistrations < 0 {
		return nil, fmt.Errorf("apitest: seed: max_registrations %d is negative (0 means no limit)", sd.MaxRegistrations)
	}
	if err := st.seedDirectories(&sd); err != nil {
		return nil, fmt.Errorf("apitest: seed: %w", err)
	}
	if err := st.seedRegistrations(&sd, now); err != nil {
		return nil, fmt.Errorf("apitest: seed: %w", err)
	}
	return st, nil
}

func (st *state) seedDirectories(sd *Seed) error {
	for i, a := range sd.Applications {
		if err := st.apps.add(entity{ID: a.ID, Name: a.Name}); err != nil {
			return fmt.Errorf("%s%w", sd.where("applications", i), err)
		}
	}
	for i, r := range sd.Rules {
		if err := st.rules.add(entity{ID: r.ID, Name: r.Name, AppID: r.ApplicationID}); err != nil {
			return fmt.Errorf("%s%w", sd.where("rules", i), err)
		}
	}
	for i, u := range sd.Users {
		if err := st.users.add(entity{ID: u.ID, Name: u.Name, AppID: u.ApplicationID}); err != nil {
			return fmt.Errorf("%s%w", sd.where("users", i), err)
		}
	}
	return nil
}

func (st *state) seedRegistrations(sd *Seed, now time.Time) error {
	for _, r := range sd.Registrations {
		st.lastID = max(st.lastID, r.SIPRegistrationID)
	}
	for i, r := range sd.Registrations {
		if r.SIPRegistrationID == 0 {
			r.SIPRegistrationID = st.lastID + 1
		}
		if err := st.seedRegistration(&r, now); err != nil {
			return fmt.Errorf("%sregistration %d: %w", sd.where("registrations", i), r.SIPRegistrationID, err)
		}
		if r.UserID != nil {
			if other, ok := st.userReg[*r.UserID]; ok {
				return fmt.Errorf("%sregistration %d: user %d is bound to registration %d too (a user has one registration)",
					sd.where("registrations", i), r.SIPRegistrationID, *r.UserID, other)
			}
			st.userReg[*r.UserID] = r.SIPRegistrationID
		}
		st.insert(&registration{SIPRegistration: r})
	}
	return nil
}

// seedRegistration checks r, fills its defaults and resolves its bindings.
func (st *state) seedRegistration(r *generated.SIPRegistration, now time.Time) error {
	switch {
	case r.SIPRegistrationID < 0:
		return errors.New("the id is negative")
	case st.regs[r.SIPRegistrationID] != nil:
		return errors.New("the id is given twice")
	case r.PurchaseDate != "" && !isTime(time.DateTime, r.PurchaseDate):
		return fmt.Errorf("purchase_date %q is not YYYY-MM-DD HH:mm:ss", r.PurchaseDate)
	case r.NextSubscriptionRenewal != "" && !isTime(time.DateOnly, r.NextSubscriptionRenewal):
		return fmt.Errorf("next_subscription_renewal %q is not YYYY-MM-DD", r.NextSubscriptionRenewal)
	}
	if r.SIPUsername == "" {
		r.SIPUsername = "user" + strconv.FormatInt(r.SIPRegistrationID, 10)
	}
	if r.Proxy == "" {
		r.Proxy = "sip.example.com"
	}
	stampNew(r, now)
	var fail *apiError
	if r.ApplicationID, r.ApplicationName, fail = seedPair(&st.apps, r.ApplicationID, r.ApplicationName, nil); fail != nil {
		return errors.New(fail.Msg)
	}
	if r.RuleID, r.RuleName, fail = seedPair(&st.rules, r.RuleID, r.RuleName, r.ApplicationID); fail != nil {
		return errors.New(fail.Msg)
	}
	if r.UserID, r.UserName, fail = seedPair(&st.users, r.UserID, r.UserName, r.ApplicationID); fail != nil {
		return errors.New(fail.Msg)
	}
	return nil
}

// seedPair resolves a seeded registration's id and name for d; given both, they must agree.
func seedPair(d *directory, id *int64, name *string, appID *int64) (*int64, *string, *apiError) {
	switch {
	case id == nil && name == nil:
		return nil, nil, nil
	case id != nil && name != nil && d.byID[*id] == nil && !d.known:
		app := int64(0)
		if appID != nil {
			app = *appID
		}
		if err := d.add(entity{ID: *id, Name: *name, AppID: app}); err != nil {
			return nil, nil, &apiError{Msg: err.Error()}
		}
	}
	p := pair{id: id}
	if id == nil {
		p = pair{name: name}
	}
	gotID, gotName, fail := d.resolve(p, appID)
	if fail == nil && name != nil && *gotName != *name {
		fail = &apiError{Msg: fmt.Sprintf("%s %d is named %q, not %q", d.kind, *gotID, *gotName, *name)}
	}
	return gotID, gotName, fail
}

func isTime(layout, s string) bool {
	_, err := time.Parse(layout, s)
	return err == nil
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
