package apitest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
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
		{"list given twice in another case", "{\"users\": [],\n\"Users\": []}", `line 2: key "Users" is not exact: write "users"`},
		{"list given twice with a long s", "{\"users\": [],\n\"uſers\": []}", `line 2: key "uſers" is not exact: write "users"`},
		{"field given twice", "{\"registrations\": [\n{\"proxy\": \"a\",\n \"proxy\": \"b\"}]}", `line 3: key "proxy" given twice`},
		{"users given twice", "{\"users\": [],\n \"max_registrations\": 1,\n\"users\": []}", `line 3: key "users" given twice`},
		// encoding/json matches keys up to case; a seed's keys are exact, as a batch line's are.
		{"a top-level key in another case", "{\n\"Registrations\": []}", `line 2: key "Registrations" is not exact: write "registrations"`},
		{"a registration's key in another case", "{\"registrations\": [{},\n{\"SIP_Username\": \"a\"}]}", `line 2: key "SIP_Username" is not exact: write "sip_username"`},
		{"an application's key in another case", "{\"applications\": [\n{\"id\": 1, \"Name\": \"a\"}]}", `line 2: key "Name" is not exact: write "name"`},
		{"a byte order mark keeps the lines", "\ufeff{\"registrations\": [\n{\"next_subscription_renewal\": \"x\"}]}", "line 2: registration 1: next_subscription_renewal"},
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

// A seeded registration that leaves out is_persistent gets the default CreateSipRegistration has
// in openapi.yaml, as a created one does; one that gives it keeps it. A byte order mark before
// the JSON (Notepad writes one) is not an error, as it is not in a batch or a password file.
func TestSeedDefaultsAndByteOrderMark(t *testing.T) {
	specDefault := (*api.CreateSIPRegistrationParams)(nil).GetIsPersistent()
	for _, tc := range []struct {
		seed string
		want []bool
	}{
		{`{"registrations": [{"sip_registration_id": 1}, {"is_persistent": false}, {"is_persistent": true}, null]}`,
			[]bool{specDefault, false, true, specDefault}},
		{"\ufeff" + `{"registrations": [{"sip_registration_id": 1, "auth_user": "a"}]}`, []bool{specDefault}},
	} {
		sd, err := apitest.ParseSeed([]byte(tc.seed))
		if err != nil {
			t.Fatalf("%q: %v", tc.seed, err)
		}
		var got []bool
		for _, r := range sd.Registrations {
			got = append(got, r.IsPersistent)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%q: is_persistent %v, want %v", tc.seed, got, tc.want)
		}
		srv := start(t, apitest.WithSeed(sd))
		if regs := srv.Registrations(); len(regs) != len(tc.want) || regs[0].IsPersistent != specDefault {
			t.Errorf("%q: %d served, the first persistent: %v", tc.seed, len(regs), len(regs) > 0 && regs[0].IsPersistent)
		}
	}
}
