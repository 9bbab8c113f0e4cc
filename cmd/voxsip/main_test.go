package main

import (
	"bufio"
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

	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// sentinel is the SIP password every test uses: it must never appear in any output.
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
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(path, srv.CredentialsJSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, path
}

// keyFragment returns a piece of the fake's private key, to look for in output.
func keyFragment(t *testing.T, srv *apitest.Server) string {
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

// runCLI runs voxsip with args and checks that no secret reached its output. secrets are extra
// strings that must not appear; a JWT (eyJ…) may only appear in token's own stdout.
func runCLI(t *testing.T, ctx context.Context, stdin string, args []string, secrets ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr)
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

func TestDemo(t *testing.T) {
	r := runCLI(t, context.Background(), "", []string{"demo"}, "demo-password-never-printed")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"result: OK", `password             "***"`, `outbound_proxy       ""`,
		`"alg":"RS256"`, `"iss":1000001`, `"exp":`, "User-Agent: voxsip/",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestUpdateSendsWhatTheFlagsSay(t *testing.T) {
	srv, creds := fake(t)
	base := []string{"update", "--credentials", creds, "--base-url", srv.URL}
	r := runCLI(t, context.Background(), sentinel+"\n", append(base,
		"--id", "7", "--proxy", "", "--application-id", "3", "--user-name", "bob", "--password-stdin"))
	if r.code != 0 || r.stdout != "updated SIP registration 7\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	want := api.UpdateSIPRegistrationParams{SIPRegistrationID: 7, Proxy: api.Ptr(""), ApplicationID: api.Ptr(int64(3)),
		UserName: api.Ptr("bob"), Password: api.Ptr(sentinel)}
	if got := srv.Requests()[0].Params; !reflect.DeepEqual(got, want) {
		t.Errorf("the fake got %v, want %v", apitest.Request{Params: got}, apitest.Request{Params: want})
	}

	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte(sentinel+"\r\n"), 0o600)
	r = runCLI(t, context.Background(), "", append(base, "--id", "8", "--password-file", pwFile, "--json"))
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || out["ok"] != true || out["sip_registration_id"] != 8.0 {
		t.Fatalf("--json: exit %d, stdout %q (%v)", r.code, r.stdout, err)
	}
	if got := srv.Requests()[1].Params.Password; got == nil || *got != sentinel {
		t.Errorf("--password-file sent %v, want the file's first line", got)
	}
}

func TestExitCodes(t *testing.T) {
	srv, creds := fake(t)
	closed := apitest.NewServer()
	closed.Close()
	base := []string{"update", "--credentials", creds, "--base-url", srv.URL}
	tests := []struct {
		name     string
		args     []string
		stdin    string
		setup    func()
		want     int
		wantText string
	}{
		{"success", append(base, "--id", "1"), "", nil, 0, ""},
		{"help", []string{"update", "--help"}, "", nil, 0, "Example:"},
		{"main help", []string{"help"}, "", nil, 0, ""},
		{"no command", []string{}, "", nil, 2, "Usage:"},
		{"unknown command", []string{"frobnicate"}, "", nil, 2, `unknown command "frobnicate"`},
		{"unknown flag", append(base, "--id", "1", "--password", sentinel), "", nil, 2, "flag provided but not defined: -password"},
		{"bad integer", append(base, "--id", "x"), "", nil, 2, `"x" is not an integer`},
		{"stray argument", append(base, "--id", "1", "extra"), "", nil, 2, `unexpected argument "extra"`},
		{"rules broken", append(base, "--id", "1", "--user-id", "5"), "", nil, 2,
			"--user-id, --application-id, --application-name: --user-id need --application-id or --application-name"},
		{"alternatives", append(base, "--id", "1", "--rule-id", "1", "--rule-name", "r"), "", nil, 2, "--rule-id, --rule-name: alternatives"},
		{"id missing", append(base, "--proxy", "p"), "", nil, 2, "--id: required"},
		{"both password sources", append(base, "--id", "1", "--password-stdin", "--password-file", "f"), sentinel, nil, 2, "alternatives"},
		{"empty stdin", append(base, "--id", "1", "--password-stdin"), "", nil, 2, "standard input is empty"},
		{"no credentials", []string{"update", "--base-url", srv.URL, "--id", "1"}, "", func() { t.Setenv("VOXIMPLANT_CREDENTIALS", "") }, 2, "no credentials"},
		{"missing credentials file", []string{"update", "--credentials", filepath.Join(t.TempDir(), "nope.json"), "--id", "1"}, "", nil, 2, "no such file"},
		{"API error", append(base, "--id", "1"), "", func() { srv.FailNext(394, "The SIP registration is persistent") }, 1, "error 394"},
		{"network down", []string{"update", "--credentials", creds, "--base-url", closed.URL, "--id", "1", "--timeout", "5s"}, "", nil, 1, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			before := len(srv.Requests())
			r := runCLI(t, context.Background(), tt.stdin, tt.args)
			if r.code != tt.want {
				t.Errorf("exit %d, want %d; stderr: %s", r.code, tt.want, r.stderr)
			}
			if !strings.Contains(r.stderr+r.stdout, tt.wantText) {
				t.Errorf("output lacks %q:\nstdout: %s\nstderr: %s", tt.wantText, r.stdout, r.stderr)
			}
			if tt.want == 2 && len(srv.Requests()) != before {
				t.Error("a usage error still sent a request")
			}
			if tt.want != 0 && strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 && !strings.Contains(r.stderr, "Usage:") {
				t.Errorf("error is not one line: %q", r.stderr)
			}
		})
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	srv, creds := fake(t)
	r := runCLI(t, context.Background(), sentinel+"\n", []string{"update", "--credentials", creds, "--base-url", srv.URL,
		"--id", "4", "--password-stdin", "--application-name", "a", "--user-name", "u", "--outbound-proxy", "", "--dry-run"})
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"POST " + srv.URL + "/UpdateSipRegistration", `password="***"`, `outbound_proxy=""`, "nothing was sent"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("dry run sent %d requests", n)
	}
	r = runCLI(t, context.Background(), "", []string{"update", "--id", "4", "--user-id", "1", "--dry-run"})
	if r.code != 2 {
		t.Errorf("invalid dry run: exit %d, want 2", r.code)
	}
}

func TestToken(t *testing.T) {
	srv, creds := fake(t)
	r := runCLI(t, context.Background(), "", []string{"token", "--credentials", creds, "--lifetime", "5m", "--account-id", "77"}, keyFragment(t, srv))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(strings.TrimSpace(r.stdout), claims, func(*jwt.Token) (any, error) { return srv.Credentials().PublicKey(), nil })
	if err != nil {
		t.Fatalf("printed token does not verify: %v", err)
	}
	if claims["iss"] != 77.0 || claims["exp"].(float64)-claims["iat"].(float64) != 300 {
		t.Errorf("claims %v, want iss 77 and a 5 minute lifetime", claims)
	}
	if r := runCLI(t, context.Background(), "", []string{"token", "--credentials", creds, "--lifetime", "2h"}); r.code != 2 {
		t.Errorf("--lifetime 2h: exit %d, want 2", r.code)
	}
}

func TestServeThenUpdateWithOnlyItsFiles(t *testing.T) {
	dir := t.TempDir()
	credsOut := filepath.Join(dir, "fake.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--credentials-out", credsOut}, strings.NewReader(""), pw, &stderr)
		pw.Close()
	}()
	url, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no URL: %v (stderr: %s)", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)

	r := runCLI(t, context.Background(), sentinel+"\n", []string{"update", "--credentials", credsOut,
		"--base-url", strings.TrimSpace(url), "--id", "3", "--proxy", "sip.example.com", "--password-stdin"})
	if r.code != 0 {
		t.Fatalf("update against serve: exit %d: %s", r.code, r.stderr)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit %d", code)
	}
	log := stderr.String()
	if !strings.Contains(log, `accepted: UpdateSipRegistration sip_registration_id=3 proxy="sip.example.com" password="***"`) {
		t.Errorf("serve's log lacks the masked request:\n%s", log)
	}
	if strings.Contains(log, sentinel) {
		t.Error("serve logged the password")
	}
	if info, err := os.Stat(credsOut); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("credentials file: %v, mode %v; want 0600", err, info.Mode())
	}
}

// Every command's --help shows an example and exits 0.
func TestEveryCommandHelpHasAnExample(t *testing.T) {
	for _, cmd := range []string{"demo", "update", "token", "serve"} {
		r := runCLI(t, context.Background(), "", []string{cmd, "--help"})
		_, example, _ := strings.Cut(r.stderr, "Example:\n")
		example, _, _ = strings.Cut(example, "\n\nFlags:")
		if r.code != 0 || !strings.Contains(example, "voxsip "+cmd) || !strings.HasPrefix(r.stderr, "Usage: voxsip "+cmd) {
			t.Errorf("%s --help: exit %d, output:\n%s", cmd, r.code, r.stderr)
		}
	}
}
