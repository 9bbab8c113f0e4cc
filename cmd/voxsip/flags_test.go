package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
)

// TestNumericFlagErrorsAreWorded: a value a numeric flag cannot hold gets one line naming the
// flag and what is wrong, not strconv's or pflag's wording; nothing is sent.
func TestNumericFlagErrorsAreWorded(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	batch := writeFile(t, updateLines(1))
	base := []string{"--credentials", creds, "--base-url", srv.URL}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"update", "--id", "99999999999999999999"}, `--id: "99999999999999999999" is out of range (a 64-bit integer`},
		{[]string{"update", "--id", "-99999999999999999999"}, `--id: "-99999999999999999999" is out of range`},
		{[]string{"list", "--count", "99999999999999999999"}, `--count: "99999999999999999999" is out of range`},
		{[]string{"update", "--batch", batch, "--rps", "1e400"}, `--rps: "1e400" is out of range`},
		{[]string{"update", "--batch", batch, "--rps", "fast"}, `--rps: "fast" is not a number`},
		{[]string{"update", "--batch", batch, "--concurrency", "99999999999999999999"}, `--concurrency: "99999999999999999999" is out of range`},
		{[]string{"update", "--batch", batch, "--concurrency", "1.5"}, `--concurrency: "1.5" is not a number`},
		{[]string{"update", "--id", "1", "--timeout", "5"}, `--timeout: "5" is not a duration`},
		{[]string{"update", "--id", "1", "--attempts", strings.Repeat("9", 100)}, `--attempts: "` + strings.Repeat("9", 40) + `"… is out of range`},
		{[]string{"serve", "--log-size", "1e9"}, `--log-size: "1e9" is not a number`},
		{[]string{"serve", "--log-size", "-1"}, "--log-size must be between 0 and 1000000, got -1"},
	} {
		args := tt.args
		if args[0] != "serve" {
			args = append(args, base...)
		}
		r := runCLI(t, nil, args)
		checkOneLine(t, strings.Join(tt.args, " "), r, exitNothing, tt.want)
		if strings.Contains(r.stderr, "strconv") || strings.Contains(r.stderr, "invalid argument") {
			t.Errorf("%v: parser wording leaks: %q", tt.args, r.stderr)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestMistypedCommandsAreNamed: a mistyped topic for help, a mistyped command followed by flags,
// a shell completion does not know, an argument to version and a bad boolean flag are one-line
// usage errors (exit 2) that name the mistake, not root help with exit 0 or a misleading
// "unknown flag" or "not a number".
func TestMistypedCommandsAreNamed(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "updte"}, `unknown command "updte" (did you mean "update"?); see 'voxsip help'`},
		{[]string{"help", "nosuch"}, `unknown command "nosuch"; see 'voxsip help'`},
		{[]string{"help", "update", "extra"}, `unknown command "extra" for "voxsip update"`},
		{[]string{"updat", "--id", "1"}, `unknown command "updat" (did you mean "update"?)`},
		{[]string{"completion", "nosh"}, `unknown shell "nosh"`},
		{[]string{"version", "junk"}, `voxsip version: unexpected argument "junk"`},
		{[]string{"list", "--json=maybe"}, `--json: "maybe" is not true or false`},
	} {
		r := runCLI(t, nil, tt.args)
		checkOneLine(t, strings.Join(tt.args, " "), r, exitNothing, tt.want)
		if r.stdout != "" {
			t.Errorf("%v: stdout %q", tt.args, r.stdout)
		}
	}
	for _, args := range [][]string{{"help"}, {"help", "update"}, {"help", "completion", "bash"}, {"completion"}} {
		if r := runCLI(t, nil, args); r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// TestServeRefusesOneFileForCredentialsAndCert: --tls-cert naming the --credentials-out file
// (by any spelling) wrote the certificate over the credentials; it is refused, nothing served
// and no file written.
func TestServeRefusesOneFileForCredentialsAndCert(t *testing.T) {
	dir := t.TempDir()
	for _, cert := range []string{filepath.Join(dir, "same.json"), filepath.Join(dir, ".", "sub", "..", "same.json")} {
		os.MkdirAll(filepath.Join(dir, "sub"), 0o700)
		r := runCLI(t, nil, []string{"serve", "--addr", "127.0.0.1:0", "--credentials-out", filepath.Join(dir, "same.json"), "--tls", "--tls-cert", cert})
		checkOneLine(t, "--tls-cert "+cert, r, exitNothing, "--tls-cert and --credentials-out name the same file")
		if _, err := os.Stat(filepath.Join(dir, "same.json")); err == nil || r.stdout != "" {
			t.Errorf("--tls-cert %s: a file was written or something served: %q", cert, r.stdout)
		}
	}
}

// TestFirstMistakesAreAnswered: the mistakes a newcomer makes first get an answer that says what to
// do, and nothing is sent for them (issue 18).
func TestFirstMistakesAreAnswered(t *testing.T) {
	srv, creds := fake(t, seedIDs(3))
	base := []string{"--credentials", creds, "--base-url", srv.URL}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"--password", []string{"update", "--id", "1", "--password", sentinel},
			"unknown flag: --password: a password is never a flag (it would show in ps and the shell's history); use --password-stdin or --password-file"},
		{"--password=", []string{"create", "--sip-username", "a", "--proxy", "p", "--password=" + sentinel}, "use --password-stdin or --password-file"},
		{"bind names --unbind", []string{"bind", "--application-id", "1"}, "--id: required unless --unbind is given"},
		// The fake refuses it too (101): with no id and nothing named there is nothing to unbind.
		{"unbind nothing", []string{"bind", "--unbind"}, "invalid flags: --id, --application-id, --application-name, --rule-id, --rule-name, --user-id, --user-name: give one of them"},
		{"bind to an empty name", []string{"bind", "--id", "1", "--application-name", ""}, "--application-name: an empty value is refused"},
		{"create with an empty value", []string{"create", "--sip-username", "a", "--proxy", "p", "--auth-user", ""}, "--auth-user: an empty value is refused"},
		{"update with no field", []string{"update", "--id", "3"}, "nothing to update: give at least one field to change"},
		// A script's unset variable (--sip-username "$U") would list, and perhaps then delete, every one.
		{"list with an empty filter", []string{"list", "--sip-username", ""}, "--sip-username: an empty filter matches every registration: leave the flag out"},
		{"an empty --batch", []string{"update", "--batch", "", "--id", "1", "--auth-user", "x"}, "--batch is empty: name a file, or - for standard input"},
		// --resume "$R" with R unset would send every line again (for create, a registration each).
		{"an empty --resume", []string{"create", "--batch", "-", "--resume", ""}, "--resume is empty: name the results file of the run to resume"},
		{"two password sources", []string{"update", "--id", "3", "--password-stdin", "--password-file", "pw"},
			"--password-stdin and --password-file: give one of them; see 'voxsip update --help'"},
	} {
		r := runCLI(t, nil, append(tt.args, base...))
		checkOneLine(t, tt.name, r, exitNothing, tt.want)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// Only update's help says that an empty value clears a field.
	for _, cmd := range []string{"create", "bind", "update"} {
		r := runCLI(t, nil, []string{cmd, "--help"})
		if got := strings.Contains(r.stdout, "an empty value clears it"); got != (cmd == "update") {
			t.Errorf("%s --help says an empty value clears it: %v", cmd, got)
		}
	}
	// --version is 'voxsip version'.
	v, version := runCLI(t, nil, []string{"--version"}), runCLI(t, nil, []string{"version"})
	if v.code != 0 || v.stdout != "voxsip "+api.Version+"\n" || v.stdout != version.stdout {
		t.Errorf("--version: exit %d, %q; version: %q", v.code, v.stdout, version.stdout)
	}
}

// TestEmptyConnectionFlagsAreRefused: --base-url "" or --credentials "" (a script's unset
// variable: --base-url "$BASE") is refused, not taken as "use the default", which for the base
// URL is the real API and for the credentials whatever $VOXIMPLANT_CREDENTIALS names.
func TestEmptyConnectionFlagsAreRefused(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	t.Setenv("VOXIMPLANT_CREDENTIALS", creds)
	t.Setenv("VOXIMPLANT_BASE_URL", srv.URL) // where the defaults lead: loopback, for the test's sake
	for _, flag := range []string{"--base-url", "--credentials"} {
		for _, args := range [][]string{{"update", "--id", "1", "--auth-user", "x"}, {"list"}, {"token"}} {
			if flag == "--base-url" && args[0] == "token" {
				continue
			}
			r := runCLI(t, nil, append(args, flag, ""))
			checkOneLine(t, args[0]+" "+flag+` ""`, r, exitNothing, flag+" is empty")
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
