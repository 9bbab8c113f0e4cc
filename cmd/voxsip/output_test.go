package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// brokenOutputs are standard outputs every write to which fails: a full disk and a pipe whose
// reader is gone (EPIPE).
func brokenOutputs(t *testing.T) map[string]*os.File {
	t.Helper()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	t.Cleanup(func() { full.Close(); w.Close() })
	return map[string]*os.File{"/dev/full": full, "closed pipe": w}
}

// notWritten is the line numbers of the results a batch reported on stderr instead of stdout
// (the text line, or with --json the result object).
var notWritten = regexp.MustCompile(`(?m)^voxsip: result not written: (?:line (\d+)\t|\{.*"line":(\d+)[,}])`)

// TestBatchStopsWhenResultsCannotBeWritten: when a result cannot be written (full disk, closed
// pipe), the batch sends nothing new, every line that was sent has its result on stderr, the
// summary says where writing failed, and the exit code is 1.
func TestBatchStopsWhenResultsCannotBeWritten(t *testing.T) {
	const n = 400
	for name, out := range brokenOutputs(t) {
		for _, asJSON := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s json=%v", name, asJSON), func(t *testing.T) {
				srv, creds := fake(t, seedIDs(n))
				args := []string{"update", "--batch", writeFile(t, updateLines(n)), "--concurrency", "2",
					"--credentials", creds, "--base-url", srv.URL}
				if asJSON {
					args = append(args, "--json")
				}
				code, stderr := runToFile(t, out, args)
				sent := len(srv.Requests())
				reported := notWritten.FindAllStringSubmatch(stderr, -1)
				if code != exitFailed || !strings.Contains(stderr, "writing the results to standard output failed at line 1 (") ||
					!strings.Contains(stderr, "were not sent") {
					t.Errorf("exit %d, stderr:\n%s", code, stderr)
				}
				if sent == 0 || sent >= n || len(reported) != sent {
					t.Errorf("%d of %d lines sent, %d results reported on stderr; want every sent line reported and not all sent",
						sent, n, len(reported))
				}
				for _, s := range secrets(n) {
					if strings.Contains(stderr, s) {
						t.Fatalf("stderr holds a password")
					}
				}
			})
		}
	}
}

// TestCreateSaysTheIDItCouldNotPrint: a create that succeeded but whose output cannot be
// written names the new registration on stderr and exits 1, so that nobody creates it again.
func TestCreateSaysTheIDItCouldNotPrint(t *testing.T) {
	for name, out := range brokenOutputs(t) {
		for _, asJSON := range []bool{false, true} {
			srv, creds := fake(t)
			args := []string{"create", "--sip-username", "a", "--proxy", "p", "--credentials", creds, "--base-url", srv.URL}
			if asJSON {
				args = append(args, "--json")
			}
			code, stderr := runToFile(t, out, args)
			if code != exitFailed || len(srv.Registrations()) != 1 ||
				!strings.Contains(stderr, "voxsip: created SIP registration 1, but writing that to standard output failed") {
				t.Errorf("%s json=%v: exit %d, %d registrations, stderr %q", name, asJSON, code, len(srv.Registrations()), stderr)
			}
		}
	}
}

// TestBatchIntoAClosedPipeIsNoSilentDeath: 'voxsip update --batch ... | head -0' (stdout a pipe
// nobody reads, in a real process) is not killed by SIGPIPE: it exits 1 and says on stderr
// what it sent and did not write.
func TestBatchIntoAClosedPipeIsNoSilentDeath(t *testing.T) {
	const n = 50
	srv, creds := fake(t, seedIDs(n))
	cmd := exec.Command(os.Args[0], "update", "--batch", writeFile(t, updateLines(n)), "--credentials", creds, "--base-url", srv.URL)
	cmd.Env = append(os.Environ(), envRunMain+"=1")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("voxsip did not exit")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
		t.Fatalf("exit: %v (want status 1, not a signal); stderr:\n%s", err, stderr.String())
	}
	if got := len(notWritten.FindAllString(stderr.String(), -1)); got == 0 || got != len(srv.Requests()) ||
		!strings.Contains(stderr.String(), "broken pipe") {
		t.Errorf("%d results on stderr for %d requests; stderr:\n%s", got, len(srv.Requests()), stderr.String())
	}
}

// TestSingleResultShape: every single-operation command prints one --json shape,
// {"ok":true,"sip_registration_id":N}, create with the fields of its answer (account_info) and
// without the API's "result" flag.
func TestSingleResultShape(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	base := []string{"--json", "--credentials", creds, "--base-url", srv.URL}
	for _, tt := range []struct {
		args []string
		id   float64
	}{
		{[]string{"create", "--sip-username", "a", "--proxy", "p"}, 2},
		{[]string{"update", "--id", "2", "--auth-user", "x"}, 2},
		{[]string{"bind", "--id", "2", "--application-id", "1"}, 2},
		{[]string{"delete", "--id", "2"}, 2},
	} {
		r := runCLI(t, nil, append(tt.args, base...))
		var got map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 || got["ok"] != true ||
			got["sip_registration_id"] != tt.id || got["result"] != nil {
			t.Errorf("%s: exit %d, %q (%v); stderr %s", tt.args[0], r.code, r.stdout, err, r.stderr)
		}
		if _, ok := got["account_info"]; ok != (tt.args[0] == "create") {
			t.Errorf("%s: account_info present %v", tt.args[0], ok)
		}
	}
}

// TestApplyChecksItsWrites: apply whose plan cannot be written changes nothing; with --json
// (results printed at the end) a failed write names every change applied on stderr; both exit 1.
func TestApplyChecksItsWrites(t *testing.T) {
	file := writeFile(t, "registrations:\n  - {sip_username: a, proxy: p}\n")
	for name, out := range brokenOutputs(t) {
		srv, creds := fake(t)
		args := []string{"apply", "-f", file, "--credentials", creds, "--base-url", srv.URL}
		code, stderr := runToFile(t, out, args)
		if code != exitFailed || len(srv.Registrations()) != 0 ||
			!strings.Contains(stderr, "writing the plan to standard output failed") || !strings.Contains(stderr, "nothing was changed") {
			t.Errorf("%s: exit %d, %d registrations, stderr %q", name, code, len(srv.Registrations()), stderr)
		}
		code, stderr = runToFile(t, out, append(args, "--json"))
		if code != exitFailed || len(srv.Registrations()) != 1 ||
			!strings.Contains(stderr, "writing to standard output failed") || !strings.Contains(stderr, "1 of 1 changes applied: create a@p (id 1)") {
			t.Errorf("%s --json: exit %d, %d registrations, stderr %q", name, code, len(srv.Registrations()), stderr)
		}
	}
}

// TestEveryCommandChecksItsOutput: whatever the command, output that cannot be written (a full
// disk, a closed pipe) is an error on stderr and a non-zero exit, never exit 0 with the output
// lost: list's table, version, token, a dry run, help, apply's "No changes".
func TestEveryCommandChecksItsOutput(t *testing.T) {
	srv, creds := fake(t, seedIDs(2))
	conn := []string{"--credentials", creds, "--base-url", srv.URL}
	applyFile := writeFile(t, "registrations: []\n")
	for _, args := range [][]string{
		append([]string{"list"}, conn...),
		append([]string{"list", "--json"}, conn...),
		{"version"},
		{"--version"},
		{"help"},
		{"update", "--help"},
		{"token", "--credentials", creds},
		{"update", "--id", "1", "--auth-user", "x", "--dry-run"},
		{"update", "--id", "1", "--auth-user", "x", "--dry-run", "--json"},
		append([]string{"apply", "-f", applyFile}, conn...),
		append([]string{"apply", "-f", applyFile, "--dry-run"}, conn...),
		append([]string{"call", "get-sip-registrations"}, conn...),
	} {
		for name, out := range brokenOutputs(t) {
			code, stderr := runToFile(t, out, args)
			if code == exitOK || !strings.Contains(stderr, "standard output failed") {
				t.Errorf("voxsip %s > %s: exit %d, stderr %q; want a failure that says the output was lost",
					strings.Join(args, " "), name, code, stderr)
			}
		}
	}
}

// TestOnePrefixOnErrors: an error from the library (which starts its own errors with
// "voxsip: ") is printed with the prefix once, at the top level and inside a batch's results.
func TestOnePrefixOnErrors(t *testing.T) {
	srv, creds := fake(t)
	conn := []string{"--credentials", creds, "--base-url", srv.URL}
	for _, args := range [][]string{
		append([]string{"delete", "--id", "99"}, conn...),
		append([]string{"update", "--id", "99", "--auth-user", "x", "--json"}, conn...),
		append([]string{"call", "delete-sip-registration", "--id", "99"}, conn...),
		{"list", "--base-url", "http://127.0.0.1:1/platform_api", "--attempts", "1", "--credentials", creds},
		append([]string{"update", "--batch", writeFile(t, `{"sip_registration_id":99,"auth_user":"x"}`+"\n"+`{"sip_registration_id":-1}`+"\n")}, conn...),
		append([]string{"update", "--json", "--batch", writeFile(t, `{"sip_registration_id":99,"auth_user":"x"}`+"\n"+`{"sip_registration_id":-1}`+"\n")}, conn...),
	} {
		r := runCLI(t, nil, args)
		if r.code != exitFailed || strings.Count(r.stdout+r.stderr, "voxsip: ") != strings.Count(r.stderr, "\nvoxsip: ")+1 {
			t.Errorf("voxsip %s: exit %d; want 1 and \"voxsip: \" once per line of stderr, never in a line's middle or on stdout:\nstdout: %s\nstderr: %s",
				strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
}

// TestCreateBatchResumesFromTheResultsItCouldNotWrite: a create batch whose standard output
// fails prints, with --json, the results it could not write as result objects on stderr; with
// them appended to the results, --resume finishes the batch and creates no line twice.
func TestCreateBatchResumesFromTheResultsItCouldNotWrite(t *testing.T) {
	const n = 40
	srv, creds := fake(t)
	var lines strings.Builder
	for i := range n {
		fmt.Fprintf(&lines, `{"sip_username": "u%d", "proxy": "p"}`+"\n", i)
	}
	args := []string{"create", "--batch", writeFile(t, lines.String()), "--json", "--concurrency", "2", "--credentials", creds, "--base-url", srv.URL}
	code, stderr := runToFile(t, brokenOutputs(t)["/dev/full"], args)
	var results strings.Builder
	for _, l := range strings.Split(stderr, "\n") {
		if obj, ok := strings.CutPrefix(l, "voxsip: result not written: "); ok {
			results.WriteString(obj + "\n")
		}
	}
	if code != exitFailed || len(srv.Registrations()) == 0 || len(srv.Registrations()) == n {
		t.Fatalf("run 1: exit %d, %d created, stderr %s", code, len(srv.Registrations()), stderr)
	}
	r := runCLI(t, nil, append(args, "--resume", writeFile(t, results.String())))
	if r.code != exitOK || len(srv.Registrations()) != n {
		t.Errorf("resumed: exit %d, %d registrations, want %d (none twice); stderr %s", r.code, len(srv.Registrations()), n, r.stderr)
	}
}
