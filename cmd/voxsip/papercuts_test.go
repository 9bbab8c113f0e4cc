package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// TestNewcomerPapercuts: the mistakes a newcomer makes first get an answer that says what to
// do, and nothing is sent for them (issue 18).
func TestNewcomerPapercuts(t *testing.T) {
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
		{"bind to an empty name", []string{"bind", "--id", "1", "--application-name", ""}, "--application-name: an empty value is refused"},
		{"create with an empty value", []string{"create", "--sip-username", "a", "--proxy", "p", "--auth-user", ""}, "--auth-user: an empty value is refused"},
		{"update with no field", []string{"update", "--id", "3"}, "nothing to update: give at least one field to change"},
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

// TestListPrintsNoHeaderBeforeFailing: a list that fails prints no table head with no rows;
// an empty list still has its head.
func TestListPrintsNoHeaderBeforeFailing(t *testing.T) {
	srv, creds := fake(t)
	base := []string{"list", "--credentials", creds, "--base-url", srv.URL, "--attempts", "1"}
	if r := runCLI(t, nil, base); r.code != 0 || !strings.HasPrefix(r.stdout, "ID") {
		t.Errorf("empty list: exit %d, %q", r.code, r.stdout)
	}
	srv.FailNext(2, "internal error")
	if r := runCLI(t, nil, base); r.code != exitFailed || r.stdout != "" {
		t.Errorf("failed list: exit %d, stdout %q", r.code, r.stdout)
	}
}

// TestListEscapesServerText: control characters in what the service returns cannot forge a
// row of list's table or reach the terminal; --json keeps them exact.
func TestListEscapesServerText(t *testing.T) {
	evil := "bob\n99      forged\x1b[31m"
	srv, creds := fake(t, apitest.WithRegistrations(api.SIPRegistration{SIPUsername: evil, Proxy: "p\t\u202ex", IsPersistent: true}))
	r := runCLI(t, nil, []string{"list", "--credentials", creds, "--base-url", srv.URL})
	if r.code != 0 || strings.Count(r.stdout, "\n") != 2 || strings.ContainsAny(r.stdout, "\x1b\u202e") ||
		!strings.Contains(r.stdout, `bob\x0a99      forged\x1b[31m`) {
		t.Errorf("table:\n%s", r.stdout)
	}
	r = runCLI(t, nil, []string{"list", "--json", "--credentials", creds, "--base-url", srv.URL})
	var got api.SIPRegistration
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.SIPUsername != evil || got.Proxy != "p\t\u202ex" {
		t.Errorf("--json: %q (%v)", r.stdout, err)
	}
}

// TestBatchDryRun: --batch with --dry-run checks every line and reports each, sends nothing and
// needs no credentials; a bad line makes the exit code 2.
func TestBatchDryRun(t *testing.T) {
	srv, _ := fake(t, seedIDs(2))
	batch := writeFile(t, updateLines(2)+"nonsense\n")
	r := runCLI(t, nil, []string{"update", "--batch", batch, "--dry-run", "--base-url", srv.URL}, secrets(2)...)
	want := "line 1\tid 1\tvalid (dry run: not sent)\nline 2\tid 2\tvalid (dry run: not sent)\nline 3\tid -\tbad line: not valid JSON"
	if r.code != exitNothing || !strings.HasPrefix(r.stdout, want) || len(srv.Requests()) != 0 ||
		!strings.Contains(r.stderr, "dry run: 3 lines: 2 valid, 1 bad; nothing was sent") {
		t.Errorf("exit %d, %d requests\nstdout %s\nstderr %s", r.code, len(srv.Requests()), r.stdout, r.stderr)
	}
	r = runCLI(t, nil, []string{"update", "--batch", writeFile(t, updateLines(2)), "--dry-run", "--json", "--base-url", srv.URL}, secrets(2)...)
	if r.code != 0 || !strings.HasPrefix(r.stdout, `{"dry_run":true,"line":1,"ok":true,"sip_registration_id":1}`) || len(srv.Requests()) != 0 {
		t.Errorf("--json: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}
