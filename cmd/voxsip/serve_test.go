package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// served is a voxsip serve running in-process.
type served struct {
	url, creds, admin string
	sigs              chan os.Signal
	done              chan int
	stderr            *watchBuffer
}

// watchBuffer is a syncBuffer that signals each write, so that a test can wait for a line
// without polling.
type watchBuffer struct {
	syncBuffer
	wrote chan struct{}
}

func newWatchBuffer() *watchBuffer { return &watchBuffer{wrote: make(chan struct{}, 1)} }

func (w *watchBuffer) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return n, err
}

// waitFor waits until the buffer holds sub.
func (w *watchBuffer) waitFor(t *testing.T, sub string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(w.String(), sub) {
		select {
		case <-w.wrote:
		case <-deadline:
			t.Fatalf("waited in vain for %q in %q", sub, w.String())
		}
	}
}

// startServe runs voxsip serve on 127.0.0.1:0 with args (--credentials-out in args replaces
// the temporary file) and reads its first lines from its stdout, the base URL first. The test
// must stop it (stop).
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	s := &served{creds: filepath.Join(t.TempDir(), "fake.json"), sigs: make(chan os.Signal, 2), done: make(chan int, 1), stderr: newWatchBuffer()}
	if i := slices.Index(args, "--credentials-out"); i >= 0 && i+1 < len(args) {
		s.creds = args[i+1]
	}
	stdout, w := io.Pipe()
	e := &env{stdin: strings.NewReader(""), stdout: w, stderr: s.stderr, sigs: s.sigs}
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--credentials-out", s.creds}, args...)
	go func() {
		code := runEnv(context.Background(), args, e)
		w.Close()
		s.done <- code
	}()
	lines := make(chan string, 16) // serve prints four lines at most
	go func() {
		defer close(lines)
		for sc := bufio.NewScanner(stdout); sc.Scan(); {
			lines <- sc.Text()
		}
	}()
	deadline := time.After(20 * time.Second)
	for s.admin == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited %d: %s", <-s.done, s.stderr)
			}
			if s.url == "" {
				s.url = l
			}
			if a, ok := strings.CutPrefix(l, "admin: "); ok {
				s.admin = a
			}
		case <-deadline:
			s.sigs <- syscall.SIGTERM
			t.Fatalf("serve printed no URL; stderr %q", s.stderr)
		}
	}
	return s
}

// stop signals serve and returns its exit code.
func (s *served) stop(t *testing.T, sig ...os.Signal) int {
	t.Helper()
	if len(sig) == 0 {
		sig = []os.Signal{syscall.SIGTERM}
	}
	for _, g := range sig {
		s.sigs <- g
	}
	select {
	case code := <-s.done:
		return code
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on the signal")
	}
	return -1
}

// TestServeStopsOnSignal: voxsip serve prints its URL, starts from --seed, accepts requests with
// the credentials it wrote alone, keeps --log-size requests, and a signal ends it.
func TestServeStopsOnSignal(t *testing.T) {
	seed := writeFile(t, `{"registrations":[{"sip_registration_id":1,"sip_username":"a","proxy":"p","is_persistent":true}]}`)
	s := startServe(t, "--seed", seed, "--log-size", "3")
	base := []string{"--credentials", s.creds, "--base-url", s.url}
	for _, args := range [][]string{
		{"update", "--id", "1", "--auth-user", "a-auth"},
		{"create", "--sip-username", "b", "--proxy", "p"},
	} {
		if r := runCLI(t, nil, append(args, base...)); r.code != 0 {
			t.Errorf("%s against serve: exit %d, %q", args[0], r.code, r.stderr)
		}
	}
	r := runCLI(t, nil, append([]string{"list", "--json"}, base...))
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); r.code != 0 || len(lines) != 2 || !strings.Contains(lines[0], `"auth_user":"a-auth"`) {
		t.Errorf("list against serve: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	var log []struct{ Operation string }
	// list asks for a second page: a count equal to the page's rows does not prove the end.
	if err := json.Unmarshal(adminGet(t, nil, s.admin+"requests"), &log); err != nil || len(log) != 3 ||
		log[0].Operation != "CreateSipRegistration" || log[1].Operation != "GetSipRegistrations" || log[2].Operation != "GetSipRegistrations" {
		t.Errorf("--log-size 3: the admin log holds %+v (%v), want the last 3 requests", log, err)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d, stderr %q", code, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "accepted: ") || !strings.HasSuffix(s.stderr.String(), "stopped\n") {
		t.Errorf("serve stderr %q", s.stderr)
	}
}

func adminGet(t *testing.T, roots *x509.CertPool, url string) []byte {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: 20 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

// TestServeTLS: --tls writes the certificate to --tls-cert, and voxsip --ca-cert trusts it; without
// --ca-cert the certificate is refused.
func TestServeTLS(t *testing.T) {
	cert := filepath.Join(t.TempDir(), "cert.pem")
	s := startServe(t, "--tls", "--tls-cert", cert)
	defer s.stop(t)
	if !strings.HasPrefix(s.url, "https://127.0.0.1:") {
		t.Fatalf("--tls: URL %q", s.url)
	}
	base := []string{"--credentials", s.creds, "--base-url", s.url}
	r := runCLI(t, nil, append([]string{"create", "--sip-username", "a", "--proxy", "p", "--ca-cert", cert}, base...))
	if r.code != 0 || r.stdout != "created SIP registration 1\n" {
		t.Errorf("create --ca-cert: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, append([]string{"list", "--ca-cert", cert}, base...))
	if r.code != 0 || !strings.Contains(r.stdout, "1   a ") {
		t.Errorf("list --ca-cert: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, append([]string{"list", "--attempts", "1"}, base...))
	if r.code != 1 || !strings.Contains(r.stderr, "certificate") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("list without --ca-cert: exit %d, %q; want 1 and a certificate error", r.code, r.stderr)
	}
	pemData, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemData)
	var regs []struct {
		SIPUsername string `json:"sip_username"`
	}
	if b := adminGet(t, pool, s.admin+"registrations"); json.Unmarshal(b, &regs) != nil || len(regs) != 1 || regs[0].SIPUsername != "a" {
		t.Errorf("admin registrations over TLS: %s", b)
	}

	notPEM := writeFile(t, "not a certificate\n")
	for _, tt := range []struct{ file, want string }{
		{notPEM, "holds no PEM certificate"},
		{filepath.Join(t.TempDir(), "missing.pem"), "no such file"},
		{t.TempDir(), "is a directory"},
		{"/dev/zero", "larger than"},
	} {
		r := runCLI(t, nil, append([]string{"list", "--ca-cert", tt.file}, base...))
		if r.code != 2 || !strings.Contains(r.stderr, "--ca-cert") || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("--ca-cert %s: exit %d, %q; want 2 and %q", tt.file, r.code, r.stderr, tt.want)
		}
	}
}

// TestServeFlagErrors: bad serve flags are one-line usage errors, exit 2, and serve nothing.
func TestServeFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--log-size", "-1"}, "--log-size must be between 0 and 1000000, got -1"},
		{[]string{"--log-size", "1000001"}, "--log-size must be between 0 and 1000000"},
		{[]string{"--log-size", "99999999999999999999"}, "--log-size"},
		{[]string{"--log-size", "NaN"}, "--log-size"},
		{[]string{"--tls-cert", filepath.Join(dir, "c.pem")}, "--tls-cert needs --tls"},
		{[]string{"--tls", "--tls-cert", ""}, "--tls-cert must name a file"},
		{[]string{"--credentials-out", ""}, "--credentials-out must name a file"},
		{[]string{"--shutdown-timeout", "0s"}, "--shutdown-timeout must be positive"},
		{[]string{"--seed", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"--seed", writeFile(t, `{"registratons":[]}`)}, `unknown field "registratons"`},
		{[]string{"--addr", "127.0.0.1:99999"}, "invalid port"},
		// A role no operation of the spec names would refuse every call with 104.
		{[]string{"--role", "Nope"}, `--role: unknown role "Nope": want one of ` + strings.Join(specRoles(), ", ")},
		{[]string{"--role", "developer"}, `--role: unknown role "developer"`},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--credentials-out", filepath.Join(dir, "creds.json")}, tt.args...)
		r := runCLI(t, nil, args)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "voxsip: ") || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
	}
}

// TestServeSecondSignalStopsAtOnce: with a request held in flight, the first signal waits for
// it and the second returns at once, exit 1.
func TestServeSecondSignalStopsAtOnce(t *testing.T) {
	s := startServe(t)
	resp, err := http.Post(s.admin+"replies", "application/json", strings.NewReader(`{"replies":[{"hang":true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("queueing a hang: HTTP %d", resp.StatusCode)
	}
	// A client whose request hangs until its own second signal.
	clientSigs := make(chan os.Signal, 2)
	clientDone := make(chan result, 1)
	go func() {
		clientDone <- runEnvCLI(t, &env{sigs: clientSigs}, []string{"list", "--credentials", s.creds, "--base-url", s.url})
	}()
	s.stderr.waitFor(t, "accepted: GetSipRegistrations")
	if code := s.stop(t, os.Interrupt, os.Interrupt); code != 1 {
		t.Errorf("second signal: exit %d, stderr %q; want 1", code, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "stopping at once") {
		t.Errorf("stderr %q", s.stderr)
	}
	clientSigs <- os.Interrupt
	clientSigs <- os.Interrupt
	select {
	case r := <-clientDone:
		if r.code != 1 {
			t.Errorf("client: exit %d, %q", r.code, r.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the client did not stop")
	}
}

// TestServeLogSizeZeroKeepsNone: --log-size 0 means none (ServeConfig's 0 would mean the default).
func TestServeLogSizeZeroKeepsNone(t *testing.T) {
	s := startServe(t, "--log-size", "0")
	if r := runCLI(t, nil, []string{"list", "--credentials", s.creds, "--base-url", s.url}); r.code != 0 {
		t.Errorf("list: exit %d, %q", r.code, r.stderr)
	}
	if b := strings.TrimSpace(string(adminGet(t, nil, s.admin+"requests"))); b != "[]" {
		t.Errorf("--log-size 0: the admin log holds %s", b)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
}

// TestServeRoleStrictAndWarnings: --role makes the key's role count; an unknown parameter is
// logged as ignored, and --strict refuses it.
func TestServeRoleStrictAndWarnings(t *testing.T) {
	dev := startServe(t, "--role", "Developer")
	r := runCLI(t, nil, []string{"create", "--credentials", dev.creds, "--base-url", dev.url, "--sip-username", "a", "--proxy", "p"})
	if r.code != 1 || !strings.Contains(r.stderr, "104") || !strings.Contains(r.stderr, "Developer") {
		t.Errorf("create with a Developer key: exit %d, %q; want 1 and code 104", r.code, r.stderr)
	}
	dev.stop(t)

	for _, strict := range []bool{false, true} {
		var args []string
		if strict {
			args = append(args, "--strict")
		}
		s := startServe(t, args...)
		body := postWithToken(t, s, s.url+"/GetSipRegistrations?colour=red")
		switch {
		case strict && !strings.Contains(body, `"code":101`):
			t.Errorf("--strict: %s, want code 101", body)
		case !strict && !strings.Contains(body, `"result":[]`):
			t.Errorf("without --strict: %s, want a success", body)
		case !strict:
			s.stderr.waitFor(t, `warning: unknown parameter "colour" ignored`)
		}
		s.stop(t)
	}
}

// postWithToken POSTs to url with a token from voxsip token and returns the body.
func postWithToken(t *testing.T, s *served, url string) string {
	t.Helper()
	tok := runCLI(t, nil, []string{"token", "--credentials", s.creds})
	if tok.code != 0 {
		t.Fatalf("voxsip token: %q", tok.stderr)
	}
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok.stdout))
	c := &http.Client{Timeout: 20 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestServeCredentialsArePrivate: --credentials-out is written 0600, even over an existing file
// that others could read.
func TestServeCredentialsArePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "creds.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, "--credentials-out", path)
	defer s.stop(t)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), `"key_id"`) {
		t.Errorf("credentials file holds %q", b)
	}
}

// TestServeReplacesSymlinksItWritesTo: a symbolic link at --credentials-out or --tls-cert is
// replaced by the file, never followed: its target (here a file others rely on, and a missing
// file a dangling link names) is left as it was.
func TestServeReplacesSymlinksItWritesTo(t *testing.T) {
	dir := t.TempDir()
	precious, missing := filepath.Join(dir, "precious.txt"), filepath.Join(dir, "missing.txt")
	if err := os.WriteFile(precious, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	creds, cert := filepath.Join(dir, "creds.json"), filepath.Join(dir, "cert.pem")
	if os.Symlink(precious, creds) != nil || os.Symlink(missing, cert) != nil {
		t.Fatal("no symbolic links here")
	}
	s := startServe(t, "--credentials-out", creds, "--tls", "--tls-cert", cert)
	defer s.stop(t)
	if b, err := os.ReadFile(precious); string(b) != "precious" || err != nil {
		t.Errorf("the link's target was overwritten (%d bytes, %v)", len(b), err) // not shown: key material
	}
	if fi, err := os.Stat(precious); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target: mode %v, want 0644 as it was", fi.Mode())
	}
	if _, err := os.Lstat(missing); !os.IsNotExist(err) {
		t.Errorf("a dangling link's target was created (%v)", err)
	}
	for path, want := range map[string]struct {
		mode os.FileMode
		text string
	}{creds: {0o600, `"key_id"`}, cert: {0o644, "BEGIN CERTIFICATE"}} {
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); !fi.Mode().IsRegular() || fi.Mode().Perm() != want.mode || !strings.Contains(string(b), want.text) {
			t.Errorf("%s: mode %v, want a regular file, mode %v, holding %s", path, fi.Mode(), want.mode, want.text)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
