package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
)

// checkOneLine fails unless r is exit want with one "voxsip: " line on stderr holding text.
func checkOneLine(t *testing.T, what string, r result, want int, text string) {
	t.Helper()
	if r.code != want || !strings.HasPrefix(r.stderr, "voxsip: ") || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, text) {
		t.Errorf("%s: exit %d, stderr %q; want exit %d and one line with %q", what, r.code, r.stderr, want, text)
	}
}

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

// TestPasswordByteOrderMark: a UTF-8 BOM (as Notepad writes) before a password is not sent as
// part of it, and a BOM alone is an empty password.
func TestPasswordByteOrderMark(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	base := []string{"update", "--id", "1", "--credentials", creds, "--base-url", srv.URL}
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("\xEF\xBB\xBF"+sentinel+"\r\n"), 0o600)
	if r := runCLI(t, nil, append(base, "--password-file", pwFile)); r.code != 0 {
		t.Fatalf("exit %d, %q", r.code, r.stderr)
	}
	if got := srv.Requests()[0].Params.(*api.UpdateSIPRegistrationParams).Password; got == nil || *got != sentinel {
		t.Errorf("sent password %q, want it without the BOM", deref(got))
	}
	r := runCLI(t, strings.NewReader("\xEF\xBB\xBF\n"), append(base, "--password-stdin"))
	checkOneLine(t, "a BOM alone", r, exitNothing, "the password is empty")
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

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

// TestSingleRequestFinishesOnFirstInterrupt: Ctrl-C during a single update lets the request
// finish (exit 0, the result printed); a second one cuts it off and says its outcome is unknown.
func TestSingleRequestFinishesOnFirstInterrupt(t *testing.T) {
	srv, arrived, release, _ := gated(t)
	creds := throwawayCreds(t)
	args := []string{"update", "--id", "1", "--auth-user", "a", "--credentials", creds, "--base-url", srv.URL, "--attempts", "1"}
	sigs := make(chan os.Signal, 2)
	done := make(chan result, 1)
	go func() { done <- runEnvCLI(t, &env{sigs: sigs}, args) }()
	waitN(t, arrived, 1)
	sigs <- os.Interrupt
	close(release)
	if r := await(t, done); r.code != 0 || r.stdout != "updated SIP registration 1\n" {
		t.Errorf("first interrupt: exit %d, %q %q; want the request finished", r.code, r.stdout, r.stderr)
	}

	srv2, arrived2, _, _ := gated(t)
	args[len(args)-3] = srv2.URL
	sigs = make(chan os.Signal, 2)
	go func() { done <- runEnvCLI(t, &env{sigs: sigs}, args) }()
	waitN(t, arrived2, 1)
	sigs <- os.Interrupt
	sigs <- os.Interrupt
	r := await(t, done)
	if r.code != 1 || !strings.Contains(r.stderr, "voxsip: stopped at once: the request was cut off and its outcome is unknown") {
		t.Errorf("second interrupt: exit %d, %q", r.code, r.stderr)
	}
}

// TestEndlessInputsAreRefused: inputs read whole or to a line's end refuse /dev/zero at once
// (exit 2, nothing sent) instead of reading it for ever.
func TestEndlessInputsAreRefused(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	batch := writeFile(t, updateLines(1))
	base := []string{"--credentials", creds, "--base-url", srv.URL}
	r := runCLI(t, nil, append([]string{"update", "--batch", batch, "--resume", "/dev/zero"}, base...))
	checkOneLine(t, "--resume /dev/zero", r, exitNothing, "--resume: line 1 is longer than 1048576 bytes: /dev/zero is not the --json output of a batch")
	for _, tt := range []struct{ file, want string }{
		{"/dev/zero", "--seed: /dev/zero is a device"},
		{t.TempDir(), "is a directory"},
		{filepath.Join(t.TempDir(), "missing.json"), "no such file"},
	} {
		r := runCLI(t, nil, []string{"serve", "--addr", "127.0.0.1:0", "--credentials-out", filepath.Join(t.TempDir(), "c.json"), "--seed", tt.file})
		checkOneLine(t, "--seed "+tt.file, r, exitNothing, tt.want)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
