package apitest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/voxsip/voxsip/generated"
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
