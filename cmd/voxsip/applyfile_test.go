package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// TestApplyFileThatWouldLoseEntriesIsRefused: a file whose entries YAML alone would drop (a
// second registrations: key, a second document after ---) or that names one registration twice
// is refused before any request (exit 2), so --prune cannot delete what the file lists.
func TestApplyFileThatWouldLoseEntriesIsRefused(t *testing.T) {
	srv, creds := fake(t, apitest.WithRegistrations(
		api.SIPRegistration{SIPUsername: "a", Proxy: "p", IsPersistent: true},
		api.SIPRegistration{SIPUsername: "b", Proxy: "p", IsPersistent: true},
	))
	for _, tt := range []struct{ yaml, want string }{
		{"registrations:\n  - {sip_username: a, proxy: p}\nregistrations:\n  - {sip_username: b, proxy: p}\n",
			"line 3: registrations: given twice"},
		{"registrations:\n  - {sip_username: a, proxy: p}\n---\nregistrations:\n  - {sip_username: b, proxy: p}\n",
			"line 4: a second YAML document"},
		{"registrations:\n  - {sip_username: a, proxy: p}\n  - {sip_username: b, proxy: p}\n  - {sip_username: a, proxy: p, auth_user: x}\n",
			"line 4: a@p is in the file twice (first on line 2)"},
		// A user has one registration: binding it to one unbinds the other, so two entries that
		// bind one user would take it from each other on every run.
		{"registrations:\n  - {sip_username: a, proxy: p, application_name: app, user_name: bob}\n  - {sip_username: b, proxy: p, application_name: app, user_name: bob}\n",
			`line 3: b@p and line 2 (a@p) both bind user_name "bob" of application_name "app": a user has one registration`},
		{"registrations:\n  - {sip_username: a, proxy: p, application_id: 1, user_id: 7}\n  - {sip_username: b, proxy: p, application_name: x, user_id: 7}\n",
			`line 3: b@p binds user_id 7 of application_name "x" and line 2 (a@p) user_id 7 of application_id 1, the same user`},
	} {
		file := writeFile(t, tt.yaml)
		r := runCLI(t, nil, []string{"apply", "-f", file, "--prune", "--credentials", creds, "--base-url", srv.URL})
		checkOneLine(t, tt.yaml, r, exitNothing, tt.want)
	}
	if n := len(srv.Requests()); n != 0 || len(srv.Registrations()) != 2 {
		t.Errorf("%d requests sent, %d registrations left", n, len(srv.Registrations()))
	}
	// A document separator with nothing after it is harmless.
	file := writeFile(t, "---\nregistrations:\n  - {sip_username: a, proxy: p}\n  - {sip_username: b, proxy: p}\n---\n")
	r := runCLI(t, nil, []string{"apply", "-f", file, "--prune", "--credentials", creds, "--base-url", srv.URL})
	if r.code != 0 || !strings.Contains(r.stdout, "No changes: 2 registrations match the file.") {
		t.Errorf("trailing ---: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}

// TestApplyFileIsNeverCutShort: an apply file over the cap is refused (exit 2, nothing sent),
// from a path or standard input, rather than read in part: a cut list with --prune would delete.
func TestApplyFileIsNeverCutShort(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	base := []string{"--credentials", creds, "--base-url", srv.URL, "--prune"}
	r := runCLI(t, nil, append([]string{"apply", "-f", "/dev/zero"}, base...))
	checkOneLine(t, "-f /dev/zero", r, exitNothing, "larger than 16 MiB")
	padded := "registrations:\n  - {sip_username: a, proxy: p}\n" + strings.Repeat("#", maxApplyFile) + "\n"
	r = runCLI(t, strings.NewReader(padded), append([]string{"apply", "-f", "-"}, base...))
	checkOneLine(t, "-f - over the cap", r, exitNothing, "larger than 16 MiB")
	r = runCLI(t, nil, append([]string{"apply", "-f", t.TempDir()}, base...))
	checkOneLine(t, "-f DIR", r, exitNothing, "is a directory")
	if n := len(srv.Requests()); n != 0 || len(srv.Registrations()) != 1 {
		t.Errorf("%d requests sent, %d registrations left", n, len(srv.Registrations()))
	}
	// Within the cap, a file from standard input is applied; the summary agrees in number.
	r = runCLI(t, strings.NewReader("registrations:\n  - {sip_username: user1, proxy: sip.example.com}\n"), append([]string{"apply", "-f", "-"}, base[:4]...))
	if r.code != 0 || !strings.Contains(r.stdout, "No changes: 1 registration matches the file.") {
		t.Errorf("apply -f -: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestParseApplyFileRefusals(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "empty"), nil, 0o600)
	for _, tt := range []struct{ yaml, want string }{
		{"registrations:\n  - sip_username: a\n    proxy: p\n    password: " + sentinel + "\n", "line 4: a password in clear is refused: use password_file"},
		{"registrations:\n  - sip_username: a\n    proxy: p\n    pasword_env: X\n", `line 4: unknown field "pasword_env"`},
		{"registrations:\n  - {sip_username: a, proxy: p, password_env: UNSET_VAR}\n", "$UNSET_VAR is not set or empty"},
		{"registrations:\n  - {sip_username: a, proxy: p, password_file: empty}\n", "the password is empty"},
		{"registrations:\n  - {sip_username: a}\n", "line 2: CreateSipRegistration: invalid parameters: proxy"},
		{"registrations:\n  - {sip_username: a, proxy: p, user_id: 3}\n", "user_id"},
		{"registrations:\n  - {sip_username: a, proxy: p, application_id: x}\n", `"x" is not an integer`},
		{"regs: []\n", `unknown key "regs"`},
		{"registrations: [\n", "not valid YAML: line"},
	} {
		_, err := parseApplyFile([]byte(tt.yaml), dir, func(string) (string, bool) { return "", false })
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), sentinel) {
			t.Errorf("%q: err %v, want %q", tt.yaml, err, tt.want)
		}
	}
}
