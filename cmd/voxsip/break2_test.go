package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// runToFile runs voxsip in-process with stdout going to the file out (as a shell's > would
// give it), with a deadline; it returns the exit code and stderr.
func runToFile(t *testing.T, out *os.File, args []string) (int, string) {
	t.Helper()
	var stderr syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- runEnv(ctx, args, &env{stdin: strings.NewReader(""), stdout: out, stderr: &stderr})
	}()
	select {
	case code := <-done:
		return code, stderr.String()
	case <-time.After(90 * time.Second):
		t.Fatalf("voxsip %s did not return", strings.Join(args, " "))
	}
	return 0, ""
}

// TestResumeFromTheFileBeingWritten: '--resume r.jsonl > r.jsonl' lets the shell empty the
// results before voxsip reads them; a create batch would then create every line again (a
// second registration and fee each). It is refused, nothing sent; appending (>>) still works.
func TestResumeFromTheFileBeingWritten(t *testing.T) {
	srv, creds := fake(t)
	batch := writeFile(t, `{"sip_username": "a", "proxy": "p"}`+"\n"+`{"sip_username": "b", "proxy": "p"}`+"\n")
	results := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"create", "--batch", batch, "--json", "--credentials", creds, "--base-url", srv.URL}

	out, err := os.Create(results)
	if err != nil {
		t.Fatal(err)
	}
	code, stderr := runToFile(t, out, args)
	out.Close()
	if code != 0 || len(srv.Registrations()) != 2 {
		t.Fatalf("first run: exit %d, %s", code, stderr)
	}

	out, err = os.Create(results) // > results.jsonl: emptied before voxsip runs
	if err != nil {
		t.Fatal(err)
	}
	code, stderr = runToFile(t, out, append(args, "--resume", results))
	out.Close()
	if code != exitNothing || !strings.Contains(stderr, "--resume: "+results+" is also standard output") || len(srv.Registrations()) != 2 {
		t.Errorf("--resume into itself: exit %d, stderr %q, %d registrations", code, stderr, len(srv.Registrations()))
	}

	// >> keeps what the first run wrote: resuming from it skips both lines.
	if err := os.WriteFile(results, []byte(`{"line":1,"ok":true}`+"\n"+`{"line":2,"ok":true}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = os.OpenFile(results, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	code, stderr = runToFile(t, out, append(args, "--resume", results))
	out.Close()
	if code != 0 || len(srv.Registrations()) != 2 || !strings.Contains(stderr, "2 done before (--resume)") {
		t.Errorf("--resume with >>: exit %d, stderr %q, %d registrations", code, stderr, len(srv.Registrations()))
	}
}

// TestBatchEndlessLineStops: a batch whose line never ends (/dev/zero, or a pipe from it) stops
// reading after maxDrain bytes of that line instead of draining it for ever; the lines before
// it are still sent.
func TestBatchEndlessLineStops(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	base := []string{"update", "--batch", "-", "--credentials", creds, "--base-url", srv.URL}
	r := runCLI(t, zeroReader{}, base)
	checkOneLine(t, "--batch - < /dev/zero", r, exitNothing, "reading the input after line 0 failed: line 1 is longer than 64 MiB")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	r = runCLI(t, io.MultiReader(strings.NewReader(updateLines(1)), zeroReader{}), base, secrets(1)...)
	if r.code != exitFailed || !strings.Contains(r.stdout, "line 1\tid 1\tok") ||
		!strings.Contains(r.stderr, "reading the input after line 1 failed: line 2 is longer than 64 MiB") {
		t.Errorf("a good line, then zeros: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
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

// TestTokenNamesTheAccountItActsFor: with --account-id the note on stderr names that account
// (the token's iss), not the key's; an explicit --account-id 0 is refused, not taken as unset.
func TestTokenNamesTheAccountItActsFor(t *testing.T) {
	srv, creds := fake(t)
	r := runCLI(t, nil, []string{"token", "--credentials", creds, "--account-id", "5"})
	own := srv.Credentials().AccountID
	want := fmt.Sprintf("token for account 5 (with the key of account %d), expires ", own)
	if r.code != 0 || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("--account-id 5: exit %d, stderr %q, want it to start with %q", r.code, r.stderr, want)
	}
	r = runCLI(t, nil, []string{"token", "--credentials", creds})
	if want := fmt.Sprintf("token for account %d, expires ", own); r.code != 0 || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("no --account-id: exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	r = runCLI(t, nil, []string{"token", "--credentials", creds, "--account-id", "0"})
	checkOneLine(t, "--account-id 0", r, exitNothing, "account id 0 is not positive")
	if r.stdout != "" {
		t.Errorf("--account-id 0 printed a token")
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

// TestListTimeoutIncludesEveryAttempt: --timeout bounds a page of list (and apply's read) with
// all its attempts, as it bounds every other request: a page that never answers ends at the
// first timeout instead of after --attempts of them.
func TestListTimeoutIncludesEveryAttempt(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	file := writeFile(t, "registrations: []\n")
	for _, args := range [][]string{{"list"}, {"apply", "-f", file}} {
		srv.EnqueueFor("GetSipRegistrations", apitest.Hang(), apitest.Hang(), apitest.Hang())
		r := runCLI(t, nil, append(args, "--timeout", "200ms", "--attempts", "3", "--credentials", creds, "--base-url", srv.URL))
		checkOneLine(t, args[0], r, exitFailed, "no answer within --timeout 200ms (all attempts included)")
		if strings.Contains(r.stderr, "giving up after") {
			t.Errorf("%s retried past --timeout: %q", args[0], r.stderr)
		}
	}
}
