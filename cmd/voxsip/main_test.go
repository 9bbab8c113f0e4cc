package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/internal/params"
)

// sentinel is the SIP password tests use: it must never appear in any output.
const sentinel = "S3ntinel-Pa55word"

// syncBuffer is a bytes.Buffer safe for a command writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// fake starts the fake API and writes its credentials file.
func fake(t *testing.T, opts ...apitest.Option) (*apitest.Server, string) {
	t.Helper()
	srv := apitest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv, writeCreds(t, srv)
}

func writeCreds(t testing.TB, srv *apitest.Server) string {
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(path, srv.CredentialsJSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// seedIDs makes registrations 1 to n exist on the fake, for tests that update or delete them.
func seedIDs(n int) apitest.Option {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return apitest.WithRegistrationIDs(ids...)
}

// keyFragment returns a piece of the fake's private key, to look for in output.
func keyFragment(srv *apitest.Server) string {
	var f struct {
		PrivateKey string `json:"private_key"`
	}
	json.Unmarshal(srv.CredentialsJSON(), &f)
	lines := strings.Split(f.PrivateKey, "\n")
	return lines[len(lines)/2]
}

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs voxsip in-process with a deadline and checks that no secret reached its output.
func runCLI(t *testing.T, stdin io.Reader, args []string, secrets ...string) result {
	t.Helper()
	return runEnvCLI(t, &env{stdin: stdin}, args, secrets...)
}

func runEnvCLI(t *testing.T, e *env, args []string, secrets ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	e.stdout, e.stderr = &stdout, &stderr
	if e.stdin == nil {
		e.stdin = strings.NewReader("")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- runEnv(ctx, args, e) }()
	var code int
	select {
	case code = <-done:
	case <-time.After(90 * time.Second):
		t.Fatalf("voxsip %s did not return", strings.Join(args, " "))
	}
	r := result{code, stdout.String(), stderr.String()}
	for _, s := range append(secrets, sentinel) {
		if s != "" && (strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s)) {
			t.Errorf("voxsip %s printed a secret (%.12s…):\nstdout: %s\nstderr: %s", strings.Join(args, " "), s, r.stdout, r.stderr)
		}
	}
	isToken := len(args) > 0 && args[0] == "token"
	if strings.Contains(r.stderr, "eyJ") || (!isToken && strings.Contains(r.stdout, "eyJ")) {
		t.Errorf("voxsip %s printed a token:\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.stdout, r.stderr)
	}
	return r
}

func TestHelpGoesToStdoutWithDoubleDashFlags(t *testing.T) {
	for _, args := range [][]string{{"update", "--help"}, {"help", "update"}} {
		r := runCLI(t, nil, args)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		for _, want := range []string{"voxsip update --id N", "  --id int", "--password-stdin", "Batches:"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, " -id ") {
			t.Errorf("%v: help shows single-dash flags", args)
		}
	}
	r := runCLI(t, nil, []string{"help"})
	if r.code != 0 || !strings.Contains(r.stdout, "Exit codes") || !strings.Contains(r.stdout, "nothing was sent") {
		t.Errorf("root help: exit %d, lacks the exit codes:\n%s", r.code, r.stdout)
	}
	r = runCLI(t, nil, []string{"completion", "bash"})
	if r.code != 0 || !strings.Contains(r.stdout, "bash completion") {
		t.Errorf("completion: exit %d, %q", r.code, r.stderr)
	}
	r = runCLI(t, nil, []string{"version"})
	if r.code != 0 || r.stdout != "voxsip "+api.Version+"\n" {
		t.Errorf("version: %q", r.stdout)
	}
}

func TestParseErrorsAreOneLineWithSuggestions(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lsit"}, `unknown command "lsit" (did you mean "list"?)`},
		{[]string{"update", "--idd", "1"}, "unknown flag: --idd (did you mean --id?)"},
		{[]string{"update", "--id", "x"}, `--id: "x" is not an integer`},
		{[]string{"update", "--id", "1", "extra"}, `unexpected argument "extra"`},
		{[]string{"update", "--id", "1", "--password", sentinel}, "unknown flag: --password"},
	}
	for _, tt := range tests {
		r := runCLI(t, nil, tt.args)
		if r.code != exitNothing || !strings.HasPrefix(r.stderr, "voxsip: ") || strings.Count(r.stderr, "\n") != 1 ||
			!strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
	}
}

// TestEveryParameterIsAFlagButSecrets walks the spec's operation table: a parameter added to
// openapi.yaml gets a flag, and a secret one never does.
func TestEveryParameterIsAFlagButSecrets(t *testing.T) {
	c := &cli{env: &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}, ctx: context.Background(), hard: context.Background()}
	root := c.rootCmd()
	cmds := map[string]string{"CreateSipRegistration": "create", "UpdateSipRegistration": "update",
		"BindSipRegistration": "bind", "DeleteSipRegistration": "delete", "GetSipRegistrations": "list"}
	for _, op := range params.All() {
		path := []string{"call", commandName(op.ID)} // an operation without a command of its own
		if name, ok := cmds[op.ID]; ok {
			path = []string{name}
		}
		name := path[len(path)-1]
		cmd, _, err := root.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range op.Fields {
			fl := cmd.Flags().Lookup(flagName(f.Name))
			switch {
			case f.Secret && fl != nil:
				t.Errorf("%s: secret parameter %s is a flag", name, f.Name)
			case !f.Secret && fl == nil && !(name == "bind" && f.Name == "bind"):
				t.Errorf("%s: parameter %s has no flag --%s", name, f.Name, flagName(f.Name))
			}
		}
		cmd.Flags().VisitAll(func(fl *pflag.Flag) {
			if strings.Contains(fl.Name, "password") && fl.Name != "password-stdin" && fl.Name != "password-file" {
				t.Errorf("%s: flag --%s", name, fl.Name)
			}
		})
	}
}

// TestUpdateSendsWhatTheFlagsSay: a flag given empty sends "" (clearing an optional field), a
// flag left out sends nothing; a required-when-given field (--proxy, minLength 1 in the spec)
// cannot be cleared, and that is refused before sending.
func TestUpdateSendsWhatTheFlagsSay(t *testing.T) {
	srv, creds := fake(t, apitest.WithRegistrations(api.SIPRegistration{SIPRegistrationID: 7, SIPUsername: "u7",
		Proxy: "sip.example.com", OutboundProxy: api.Ptr("out.example.com"), IsPersistent: true}), apitest.WithRegistrationIDs(8))
	base := []string{"update", "--credentials", creds, "--base-url", srv.URL}
	r := runCLI(t, strings.NewReader(sentinel+"\n"), append(base,
		"--id", "7", "--outbound-proxy", "", "--application-id", "3", "--user-name", "bob", "--password-stdin"))
	if r.code != 0 || r.stdout != "updated SIP registration 7\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	want := &api.UpdateSIPRegistrationParams{SIPRegistrationID: 7, OutboundProxy: api.Ptr(""), ApplicationID: api.Ptr(int64(3)),
		UserName: api.Ptr("bob"), Password: api.Ptr(sentinel)}
	if got := srv.Requests()[0].Params; !reflect.DeepEqual(got, want) {
		t.Errorf("the fake got %v, want %v", apitest.Request{Params: got}, apitest.Request{Params: want})
	}
	if got := srv.Registrations()[0]; got.OutboundProxy != nil || got.Proxy != "sip.example.com" ||
		got.ApplicationID == nil || *got.ApplicationID != 3 || got.UserName == nil || *got.UserName != "bob" {
		t.Errorf("after the update the fake holds %+v: want outbound_proxy cleared, proxy kept, app 3, user bob", got)
	}
	r = runCLI(t, nil, append(base, "--id", "7", "--proxy", ""))
	if r.code != 2 || !strings.Contains(r.stderr, "--proxy") || len(srv.Requests()) != 1 {
		t.Errorf("--proxy '': exit %d, stderr %q, %d requests; want exit 2 and nothing sent", r.code, r.stderr, len(srv.Requests()))
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte(sentinel+"\r\n"), 0o600)
	r = runCLI(t, nil, append(base, "--id", "8", "--password-file", pwFile, "--json"))
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || out["ok"] != true || out["sip_registration_id"] != 8.0 {
		t.Fatalf("--json: exit %d, stdout %q (%v)", r.code, r.stdout, err)
	}
	if got := srv.Requests()[1].Params.(*api.UpdateSIPRegistrationParams).Password; got == nil || *got != sentinel {
		t.Errorf("--password-file sent %v, want the file's line", got)
	}
}

func TestExitCodes(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	closed := apitest.NewServer()
	closed.Close()
	dir := t.TempDir()
	emptyPW := filepath.Join(dir, "empty")
	os.WriteFile(emptyPW, nil, 0o600)
	base := []string{"update", "--credentials", creds, "--base-url", srv.URL}
	tests := []struct {
		name     string
		args     []string
		stdin    string
		setup    func()
		want     int
		wantText string
	}{
		{"success", append(base, "--id", "1", "--auth-user", "u"), "", nil, 0, ""},
		{"no command", []string{}, "", nil, 0, ""},
		{"rules broken", append(base, "--id", "1", "--user-id", "5"), "", nil, 2, "--user-id"},
		{"alternatives", append(base, "--id", "1", "--rule-id", "1", "--rule-name", "r"), "", nil, 2, "--rule-id, --rule-name"},
		{"id missing", append(base, "--proxy", "p"), "", nil, 2, "--id"},
		{"both password sources", append(base, "--id", "1", "--password-stdin", "--password-file", "f"), sentinel, nil, 2, "password-file"},
		{"empty stdin", append(base, "--id", "1", "--password-stdin"), "", nil, 2, "the password is empty"},
		{"empty password file", append(base, "--id", "1", "--password-file", emptyPW), "", nil, 2, "the password is empty"},
		{"password file is /dev/zero", append(base, "--id", "1", "--password-file", "/dev/zero"), "", nil, 2, "longer than 4096 bytes"},
		{"no credentials", []string{"update", "--base-url", srv.URL, "--id", "1", "--auth-user", "u"}, "", func() { t.Setenv("VOXIMPLANT_CREDENTIALS", "") }, 2, "no credentials"},
		{"credentials file missing", []string{"update", "--base-url", srv.URL, "--credentials", filepath.Join(dir, "nope.json"), "--id", "1", "--auth-user", "u"}, "", nil, 2, "no such file"},
		{"credentials is a directory", []string{"update", "--base-url", srv.URL, "--credentials", dir, "--id", "1", "--auth-user", "u"}, "", nil, 2, "is a directory"},
		{"bad base URL", []string{"update", "--credentials", creds, "--base-url", "ftp://x", "--id", "1"}, "", nil, 2, "absolute http or https URL"},
		{"timeout 0", append(base, "--id", "1", "--timeout", "0"), "", nil, 2, "--timeout must be positive"},
		{"API error", append(base, "--id", "1", "--auth-user", "u"), "", func() { srv.FailNext(394, "The SIP registration is persistent") }, 1, "error 394"},
		{"network down", []string{"update", "--credentials", creds, "--base-url", closed.URL, "--id", "1", "--auth-user", "u", "--attempts", "1"}, "", nil, 1, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			r := runCLI(t, strings.NewReader(tt.stdin), tt.args, keyFragment(srv))
			if r.code != tt.want || !strings.Contains(r.stderr, tt.wantText) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tt.want, tt.wantText)
			}
			if r.code != 0 && strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("error is not one line: %q", r.stderr)
			}
		})
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestListCreateBindDelete(t *testing.T) {
	srv, creds := fake(t)
	base := []string{"--credentials", creds, "--base-url", srv.URL}
	run := func(stdin string, args ...string) result {
		t.Helper()
		r := runCLI(t, strings.NewReader(stdin), append(args, base...))
		if r.code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		return r
	}
	r := run(sentinel+"\n", "create", "--sip-username", "alice", "--proxy", "sip.example.com", "--password-stdin", "--json")
	var created map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || created["sip_registration_id"] != 1.0 || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("create --json: %q (%v)", r.stdout, err)
	}
	if p := srv.Requests()[0].Params.(*api.CreateSIPRegistrationParams); p.Password == nil || *p.Password != sentinel {
		t.Errorf("create sent password %v", p.Password)
	}
	more := srv.Registrations() // alice, then more than a page
	for i := range 150 {
		more = append(more, api.SIPRegistration{SIPUsername: "u" + string(rune('a'+i%26)), Proxy: "p", IsPersistent: true})
	}
	if err := srv.Seed(apitest.Seed{Registrations: more}); err != nil {
		t.Fatal(err)
	}
	r = run("", "list", "--json")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var first map[string]any
	if len(lines) != 151 || json.Unmarshal([]byte(lines[0]), &first) != nil || first["sip_username"] != "alice" || first["sip_registration_id"] != 1.0 {
		t.Fatalf("list --json: %d lines, first %q", len(lines), lines[0])
	}
	r = run("", "list", "--sip-username", "alice")
	if !strings.Contains(r.stdout, "1   alice         sip.example.com") || strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("list table:\n%s", r.stdout)
	}
	run("", "bind", "--id", "1", "--application-name", "pbx", "--user-name", "alice")
	if got := srv.Registrations()[0]; got.ApplicationName == nil || *got.ApplicationName != "pbx" || got.UserName == nil || *got.UserName != "alice" {
		t.Errorf("after bind the fake holds %+v", got)
	}
	r = run("", "bind", "--id", "1", "--unbind")
	if r.stdout != "unbound SIP registration 1\n" {
		t.Errorf("unbind: %q", r.stdout)
	}
	reqs := srv.Requests()
	if p := reqs[len(reqs)-1].Params.(*api.BindSIPRegistrationParams); p.Bind == nil || *p.Bind {
		t.Errorf("--unbind sent bind=%v", p.Bind)
	}
	run("", "delete", "--id", "1")
	r = run("", "list", "--sip-username", "alice", "--json")
	if r.stdout != "" || len(srv.Registrations()) != 150 {
		t.Errorf("after delete: %q, %d registrations left", r.stdout, len(srv.Registrations()))
	}
}

func TestDemo(t *testing.T) {
	r := runCLI(t, nil, []string{"demo"}, demoPassword)
	if r.code != 0 {
		t.Fatalf("exit %d, stdout %s stderr: %s", r.code, r.stdout, r.stderr)
	}
	// The steps in order: create, list, update, list, delete, list, each on what the one before did.
	order := []string{"$ voxsip create", "created SIP registration 1\n", "$ voxsip list\n", "1 registration\n",
		"$ voxsip update --id 1 ", "updated SIP registration 1\n", "$ voxsip list --json", `"auth_user":"alice-auth"`,
		"$ voxsip delete --id 1\n", "deleted SIP registration 1\n", "$ voxsip list\n", "0 registrations\n"}
	rest := r.stdout
	for _, want := range order {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("demo output lacks %q (in this order):\n%s", want, r.stdout)
		}
		rest = rest[i+len(want):]
	}
	if strings.Contains(r.stdout, "PRIVATE KEY") {
		t.Errorf("demo printed key material:\n%s", r.stdout)
	}
}
