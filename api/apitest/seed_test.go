package apitest_test

import (
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api/apitest"
)

// The example seed in the repository loads, and the server completes its references.
func TestExampleSeedLoads(t *testing.T) {
	sd, err := apitest.LoadSeed("testdata/seed.example.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := start(t, apitest.WithSeed(sd))
	regs := srv.Registrations()
	if len(regs) != 3 || regs[2].SIPRegistrationID != 3 {
		t.Fatalf("%d registrations (%+v), want 3 with the last numbered 3", len(regs), regs)
	}
	first, second := regs[0], regs[1]
	if i64(first.ApplicationID) != "10" || i64(first.RuleID) != "20" || i64(first.UserID) != "30" || first.PurchaseDate != "2026-11-01 09:30:00" {
		t.Errorf("registration 1: %+v, want application 10, rule 20, user 30 and the seeded date", first)
	}
	if str(second.ApplicationName) != "desk" || str(second.UserName) != "carol" {
		t.Errorf("registration 2: %+v, want desk and carol by their ids", second)
	}
}

// A seed the server could not load as written is refused with the line of the fault.
func TestSeedsAreStrict(t *testing.T) {
	for _, tc := range []struct {
		name, seed, want string
	}{
		{"bad purchase date", "{\"registrations\": [\n{\"sip_registration_id\": 1},\n{\"sip_registration_id\": 2,\n \"purchase_date\": \"2026-13-01\"}\n]}", `line 3: registration 2: purchase_date "2026-13-01"`},
		{"bad renewal date", "{\"registrations\": [\n  {\"next_subscription_renewal\": \"tomorrow\"}]}", "line 2: registration 1: next_subscription_renewal"},
		{"user bound twice", "{\"registrations\": [\n{\"user_id\": 5},\n{\"user_id\": 5}]}", "line 3: registration 2: user 5 is bound to registration 1 too"},
		{"duplicate registration ids", "{\"registrations\": [{\"sip_registration_id\": 4},\n{\"sip_registration_id\": 4}]}", "line 2: registration 4: the id is given twice"},
		{"duplicate application ids", "{\"applications\": [{\"id\": 1, \"name\": \"a\"},\n {\"id\": 1, \"name\": \"b\"}]}", "line 2: application id 1 given twice"},
		{"trailing data", "{\"registrations\": []}\n{\"registrations\": []}", "line 2: data after"},
		{"wrong type", "{\n\"max_registrations\": \"ten\"}", "line 2:"},
		{"unknown key", "{\"registration\": []}", "unknown field"},
		// encoding/json keeps the last of a key given twice, and decodes a list given twice into
		// the first one's items: the first registrations would vanish and lend their fields.
		{"list given twice", "{\"registrations\": [{\"sip_registration_id\": 1, \"auth_user\": \"a\"}],\n\"registrations\": [{\"sip_registration_id\": 2}]}", `line 2: key "registrations" given twice`},
		{"list given twice in another case", "{\"users\": [],\n\"Users\": []}", `line 2: key "Users" given twice`},
		{"field given twice", "{\"registrations\": [\n{\"proxy\": \"a\",\n \"proxy\": \"b\"}]}", `line 3: key "proxy" given twice`},
		{"negative limit", "{\n\"max_registrations\": -1}", "max_registrations -1"},
		{"unseeded user", "{\"users\": [],\n\"registrations\": [{\"user_name\": \"x\", \"application_name\": \"a\"}]}", `line 2: registration 1: user "x" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := apitest.ParseSeed([]byte(tc.seed))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseSeed: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
