package main

import (
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api/apitest"
)

// TestBaseURLUserInfoShownMasked: the refusal shows where the user info was as ***, readably.
func TestBaseURLUserInfoShownMasked(t *testing.T) {
	_, creds := fake(t)
	for _, set := range []func(u string) []string{
		func(u string) []string { return []string{"--base-url", u} },
		func(u string) []string { t.Setenv(envBaseURL, u); return nil },
	} {
		args := append([]string{"list", "--credentials", creds}, set("http://us3r:pa55@127.0.0.1:1/platform_api?k=qu3ry")...)
		r := runCLI(t, nil, args, "us3r", "pa55", "qu3ry")
		checkOneLine(t, "userinfo", r, exitNothing, "(http://***@127.0.0.1:1/platform_api)")
	}
}

// TestBaseURLSecretsAreNeverPrinted covers help defaults, dry runs and parse errors.
func TestBaseURLSecretsAreNeverPrinted(t *testing.T) {
	const user, query = "us3r-Secret", "qu3ry-Secret"
	srv, creds := fake(t)
	t.Setenv(envBaseURL, "https://"+user+":pw@api.example.com/platform_api?key="+query)
	for _, args := range [][]string{
		{"update", "--help"},
		{"list", "--help"},
		{"update", "--credentials", creds, "--id", "1", "--dry-run"},
		{"update", "--credentials", creds, "--id", "1"},
		{"update", "--credentials", creds, "--id", "1", "--base-url", srv.URL + "?token=" + query},
		{"update", "--credentials", creds, "--id", "1", "--base-url", "http://" + user + "@[::1"},
		{"update", "--credentials", creds, "--id", "1", "--base-url", "http://h/%zz" + query},
	} {
		r := runCLI(t, nil, args, user, query)
		if strings.HasSuffix(args[len(args)-1], "--help") || args[1] == "--help" {
			continue
		}
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (nothing sent); stderr %q", args, r.code, r.stderr)
		}
	}
	if len(srv.Requests()) != 0 {
		t.Errorf("%d requests sent", len(srv.Requests()))
	}
	t.Setenv(envBaseURL, srv.URL)
	r := runCLI(t, nil, []string{"update", "--credentials", creds, "--id", "1", "--auth-user", "u", "--dry-run", "--base-url", "http://127.0.0.1:1/platform_api"})
	if r.code != 0 || !strings.Contains(r.stdout, "POST http://127.0.0.1:1/platform_api/UpdateSipRegistration") {
		t.Errorf("dry run: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestHostileFakeEchoingThePassword: the password the API echoes in an error never reaches the
// output, for a single update, a batch and apply.
func TestHostileFakeEchoingThePassword(t *testing.T) {
	srv, creds := fake(t, seedIDs(2))
	base := []string{"--credentials", creds, "--base-url", srv.URL}
	srv.FailNext(101, "Invalid password "+sentinel+"!")
	r := runCLI(t, strings.NewReader(sentinel+"\n"), append([]string{"update", "--id", "1", "--password-stdin"}, base...))
	if r.code != 1 {
		t.Errorf("update: exit %d", r.code)
	}
	other := "0ther-Secret-Pw"
	batch := writeFile(t, `{"sip_registration_id":1,"password":"`+sentinel+`"}`+"\n"+`{"sip_registration_id":2,"password":"`+other+`"}`+"\n")
	srv.Enqueue(apitest.Error(101, "Invalid password "+sentinel), apitest.Error(101, "Invalid password "+other))
	r = runCLI(t, nil, append([]string{"update", "--batch", batch, "--concurrency", "1", "--json"}, base...), other)
	if r.code != 1 || strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("batch: exit %d, stdout %q", r.code, r.stdout)
	}
	srv2, creds2 := fake(t)
	file := writeFile(t, "registrations:\n  - sip_username: a\n    proxy: p\n    password_env: VOXSIP_TEST_PW\n")
	t.Setenv("VOXSIP_TEST_PW", sentinel)
	srv2.EnqueueFor("CreateSipRegistration", apitest.Error(101, "Invalid password "+sentinel))
	r = runCLI(t, nil, []string{"apply", "-f", file, "--credentials", creds2, "--base-url", srv2.URL})
	if r.code != 1 {
		t.Errorf("apply: exit %d, stderr %q", r.code, r.stderr)
	}
}
