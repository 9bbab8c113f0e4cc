package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/printable"
)

// Every operation of the spec (from the generated table) is a `voxsip call` subcommand with a
// flag for each parameter but the secrets, and the password flags when it has a CLI password.
func TestCallHasEveryOperation(t *testing.T) {
	c := &cli{env: &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}, ctx: context.Background(), hard: context.Background()}
	root := c.rootCmd()
	if len(params.All()) == 0 {
		t.Fatal("no operations")
	}
	for _, op := range params.All() {
		cmd, rest, err := root.Find([]string{"call", commandName(op.ID)})
		if err != nil || len(rest) != 0 || cmd.Name() != commandName(op.ID) {
			t.Errorf("%s: no command voxsip call %s (%v)", op.ID, commandName(op.ID), err)
			continue
		}
		for _, f := range op.Fields {
			if fl := cmd.Flags().Lookup(flagName(f.Name)); (fl != nil) == f.Secret {
				t.Errorf("call %s: parameter %s (secret %v): flag %v", cmd.Name(), f.Name, f.Secret, fl)
			}
		}
		if (cmd.Flags().Lookup("password-file") != nil) != (op.PasswordParam != "") {
			t.Errorf("call %s: --password-file and PasswordParam %q disagree", cmd.Name(), op.PasswordParam)
		}
	}
	if got := commandName("GetSipRegistrations"); got != "get-sip-registrations" {
		t.Errorf("commandName = %q", got)
	}
}

// `voxsip call` sends the operation with the flags' values and prints the body; --json prints it
// compact, and --password-file fills the password.
func TestCallSendsAndPrintsTheBody(t *testing.T) {
	srv, creds := fake(t, apitest.WithRegistrations(api.SIPRegistration{SIPRegistrationID: 7, SIPUsername: "u7",
		Proxy: "sip.example.com", IsPersistent: true}))
	base := []string{"--credentials", creds, "--base-url", srv.URL}
	r := runCLI(t, nil, append([]string{"call", "get-sip-registrations", "--id", "7"}, base...))
	var page api.GetSIPRegistrationsResult
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &page) != nil || page.Count != 1 || page.Result[0].SIPUsername != "u7" ||
		!strings.Contains(r.stdout, "\n  ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, strings.NewReader(sentinel+"\n"), append([]string{"call", "update-sip-registration", "--id", "7",
		"--proxy", "p.example.com", "--password-stdin", "--json"}, base...))
	if r.code != 0 || r.stdout != "{\"result\":1}\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	got := srv.Requests()[1].Params.(*api.UpdateSIPRegistrationParams)
	if got.GetProxy() != "p.example.com" || got.GetPassword() != sentinel {
		t.Errorf("the fake got %v", apitest.Request{Params: got})
	}
	r = runCLI(t, nil, append([]string{"call", "update-sip-registration"}, base...))
	if r.code != 2 || !strings.Contains(r.stderr, "--id") || len(srv.Requests()) != 2 {
		t.Errorf("no --id: exit %d, stderr %q, %d requests", r.code, r.stderr, len(srv.Requests()))
	}
}

// `voxsip call` takes an operation by its API name too (the name users know from the reference),
// and an unknown one is named as such, with a suggestion.
func TestCallByOperationID(t *testing.T) {
	srv, creds := fake(t)
	base := []string{"--credentials", creds, "--base-url", srv.URL}
	for _, op := range params.All() {
		r := runCLI(t, nil, []string{"call", op.ID, "--help"})
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:\n  voxsip call "+commandName(op.ID)+" [flags]") {
			t.Errorf("call %s --help: exit %d, stderr %q", op.ID, r.code, r.stderr)
		}
	}
	r := runCLI(t, nil, append([]string{"call", "GetSipRegistrations", "--json"}, base...))
	if r.code != 0 || !strings.HasPrefix(r.stdout, `{"count":0`) {
		t.Errorf("call GetSipRegistrations: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, []string{"call", "get-sip-registration"})
	checkOneLine(t, "unknown operation", r, exitNothing, `unknown operation "get-sip-registration" (did you mean "get-sip-registrations"?); see 'voxsip call --help'`)
}

// `voxsip call` prints the response body, but never a secret a server echoes in it: the
// password (in any escaping) or the bearer token, whole or a part of it.
func TestCallMasksSecretsEchoedInTheBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		parts := strings.Split(tok, ".")
		body, _ := json.Marshal(map[string]any{"result": 1, "echo": r.URL.Query().Get("password"),
			"escaped": url.QueryEscape(r.URL.Query().Get("password")), "auth": r.Header.Get("Authorization"),
			"signature": parts[len(parts)-1]})
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	creds := throwawayCreds(t)
	for _, asJSON := range []string{"--json", "--dry-run=false"} {
		r := runCLI(t, strings.NewReader(sentinel+"\n"), []string{"call", "update-sip-registration", "--id", "1", "--auth-user", "x",
			"--password-stdin", asJSON, "--credentials", creds, "--base-url", srv.URL}, sentinel)
		if r.code != 0 || !strings.Contains(r.stdout, `"echo":`) && !strings.Contains(r.stdout, `"echo": `) ||
			strings.Contains(r.stdout, "eyJ") || strings.Count(r.stdout, "***") != 4 {
			t.Errorf("%s: exit %d, stdout %s, stderr %s", asJSON, r.code, r.stdout, r.stderr)
		}
	}
}

// A body that echoes a piece of the password (a server that cut it short) is not printed: the
// error says the operation succeeded, and the exit code is 1.
func TestCallWithholdsABodyWithAPieceOfASecret(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"result":1,"echo":%q}`, r.URL.Query().Get("password")[:12])
	}))
	defer srv.Close()
	r := runCLI(t, strings.NewReader(sentinel+"\n"), []string{"call", "update-sip-registration", "--id", "1", "--password-stdin",
		"--credentials", throwawayCreds(t), "--base-url", srv.URL}, sentinel[:12])
	checkOneLine(t, "a piece echoed", r, exitFailed, "UpdateSipRegistration succeeded, but its response body is not shown")
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}
}

// `voxsip call` prints a hostile body's C1 controls, line separators, bidi overrides and bytes
// that are not UTF-8 as \uXXXX escapes inside the JSON strings: nothing a terminal acts on
// reaches it, and the JSON printed is the same value as the body, indented or compact.
func TestCallEscapesTerminalControlsInTheBody(t *testing.T) {
	body := "{\"result\":1,\"c1\":\"a\u009b31m\u0085b\",\"seps\":[\"x\u2028y\u2029\"],\"bidi\":\"\u202egnp.exe\u2066\",\"del\":\"\x7f\",\"bad\":\"\xff\"}"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	defer srv.Close()
	var want any
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatal(err)
	}
	creds := throwawayCreds(t)
	for _, asJSON := range []string{"--json", "--json=false"} {
		r := runCLI(t, nil, []string{"call", "get-sip-registrations", asJSON, "--credentials", creds, "--base-url", srv.URL})
		var got any
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: exit %d, stdout %q (%#v, want %#v), stderr %q", asJSON, r.code, r.stdout, got, want, r.stderr)
		}
		for _, c := range r.stdout {
			if c != '\n' && printable.String(string(c)) != string(c) || c == utf8.RuneError {
				t.Fatalf("%s: stdout %q holds %U raw", asJSON, r.stdout, c)
			}
		}
		if !strings.Contains(r.stdout, `a\u009b31m\u0085b`) || !strings.Contains(r.stdout, `\u202egnp.exe\u2066`) {
			t.Errorf("%s: stdout %q", asJSON, r.stdout)
		}
	}
}
