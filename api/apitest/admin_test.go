package apitest_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/testutil"
)

func admin(t *testing.T, srv *apitest.Server, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.AdminURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// TestAdminEndpoints: seed, enqueue per operation, read the log (password masked), reset.
func TestAdminEndpoints(t *testing.T) {
	srv := start(t, apitest.WithRegistrationIDs(5))
	c := newClient(t, srv)
	ctx := context.Background()

	if status, body := admin(t, srv, "GET", "", ""); status != 200 || !strings.Contains(string(body), `"/_apitest/replies"`) {
		t.Errorf("index: %d %s", status, body)
	}
	seed := `{"registrations":[{"sip_registration_id":7,"sip_username":"alice","proxy":"p","last_updated":1,"deactivated":false,
		"next_subscription_renewal":"2027-01-01","purchase_date":"2026-12-01 00:00:00","subscription_price":"1","is_persistent":true}],
		"applications":[{"id":3,"name":"phones"}]}`
	if status, body := admin(t, srv, "POST", "seed", seed); status != 204 {
		t.Fatalf("seed: %d %s", status, body)
	}
	if regs := srv.Registrations(); len(regs) != 1 || regs[0].SIPRegistrationID != 7 {
		t.Errorf("after seeding: %+v", regs)
	}
	if err := c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: 7, ApplicationName: api.Ptr("desk")}); !errors.Is(err, api.ErrorCode(generated.ErrorCodeInvalidApplicationName)) {
		t.Errorf("unknown application after seeding applications: %v, want 107", err)
	}
	if status, body := admin(t, srv, "POST", "seed", `{"registrations":[],"nonsense":1}`); status != 400 {
		t.Errorf("a seed with an unknown key: %d %s, want 400", status, body)
	}

	replies := `{"operation":"UpdateSipRegistration","replies":[{"error":{"code":340,"msg":"Rate limit"}},{"status":503,"headers":{"Retry-After":"1"},"body":"busy"}]}`
	if status, body := admin(t, srv, "POST", "replies", replies); status != 204 {
		t.Fatalf("replies: %d %s", status, body)
	}
	for _, bad := range []string{`{"operation":"Nope","replies":[{"reset":true}]}`, `{"replies":[{}]}`, `{"replies":[{"trickle":"soon"}]}`} {
		if status, _ := admin(t, srv, "POST", "replies", bad); status != 400 {
			t.Errorf("replies %s: %d, want 400", bad, status)
		}
	}
	if _, err := c.GetSIPRegistrations(ctx, nil); err != nil {
		t.Errorf("get is not affected by update's replies: %v", err)
	}
	upd := func() error {
		return c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: 7, Password: api.Ptr("hunter2")})
	}
	var respErr *api.ResponseError
	if err := upd(); !errors.Is(err, api.CodeRateLimitExceeded) {
		t.Errorf("first update: %v, want 340", err)
	}
	if err := upd(); !errors.As(err, &respErr) || respErr.StatusCode != 503 {
		t.Errorf("second update: %v, want HTTP 503", err)
	}
	if err := upd(); err != nil {
		t.Errorf("third update: %v", err)
	}

	status, body := admin(t, srv, "GET", "requests", "")
	var log []struct {
		Operation string         `json:"operation"`
		Params    map[string]any `json:"params"`
		Issuer    int64          `json:"issuer"`
	}
	if err := json.Unmarshal(body, &log); status != 200 || err != nil || len(log) != 5 {
		t.Fatalf("requests: %d %v %s", status, err, body)
	}
	if strings.Contains(string(body), "hunter2") || log[4].Params["password"] != "***" || log[4].Operation != "UpdateSipRegistration" || log[4].Issuer != srv.AccountID() {
		t.Errorf("log entry %+v (the password must be masked)", log[4])
	}

	if status, _ := admin(t, srv, "POST", "reset", ""); status != 204 {
		t.Errorf("reset: %d", status)
	}
	if regs := srv.Registrations(); len(regs) != 1 || regs[0].SIPRegistrationID != 5 || len(srv.Requests()) != 0 {
		t.Errorf("after reset: %+v and %d requests; want the starting registration 5 and an empty log", regs, len(srv.Requests()))
	}
	if status, body := admin(t, srv, "GET", "registrations", ""); status != 200 || !strings.Contains(string(body), `"sip_registration_id": 5`) {
		t.Errorf("registrations: %d %s", status, body)
	}
}

// startServe runs Serve until ctx ends: its output comes line by line on lines, and its result
// on done.
func startServe(ctx context.Context, cfg apitest.ServeConfig) (lines <-chan string, done <-chan error) {
	pr, pw := io.Pipe()
	result := make(chan error, 1)
	go func() {
		result <- apitest.Serve(ctx, cfg, pw)
		pw.Close()
	}()
	out := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out <- sc.Text()
		}
		close(out)
	}()
	return out, result
}

// TestServe runs the fake as voxsip serve does: TLS with a certificate file the client trusts,
// a seed file, the URL first on out, then credentials and admin; it ends when ctx does.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	creds, cert, seedFile := filepath.Join(dir, "creds.json"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seedFile, []byte(`{"registrations":[{"sip_registration_id":42,"sip_username":"s","proxy":"p","last_updated":1,"deactivated":false,"next_subscription_renewal":"2027-01-01","purchase_date":"2026-12-01 00:00:00","subscription_price":"1","is_persistent":true}],"max_registrations":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines, done := startServe(ctx, apitest.ServeConfig{Addr: "127.0.0.1:0", CredentialsFile: creds, TLSCertFile: cert, SeedFile: seedFile, LogSize: 10})
	url := testutil.Recv(t, lines, "the URL")
	if !strings.HasPrefix(url, "https://127.0.0.1:") || !strings.HasSuffix(url, apitest.BasePath) {
		t.Fatalf("first line %q, want the https base URL", url)
	}
	if l := testutil.Recv(t, lines, "the credentials line"); l != "credentials: "+creds {
		t.Errorf("second line %q", l)
	}
	if l := testutil.Recv(t, lines, "the admin line"); !strings.HasPrefix(l, "admin: https://127.0.0.1:") || !strings.HasSuffix(l, apitest.AdminPath) {
		t.Errorf("third line %q", l)
	}
	if l := testutil.Recv(t, lines, "the certificate line"); l != "certificate: "+cert {
		t.Errorf("fourth line %q", l)
	}

	pemBytes, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the certificate file holds no certificate")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer hc.CloseIdleConnections()
	c, err := api.NewClient(api.WithBaseURL(url), api.WithCredentialsFile(creds), api.WithHTTPClient(hc), api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.GetSIPRegistrations(context.Background(), nil)
	if err != nil || page.Count != 1 || page.Result[0].SIPRegistrationID != 42 {
		t.Fatalf("Get over TLS from the seeded fake: %+v %v", page, err)
	}
	if _, err := c.CreateSIPRegistration(context.Background(), &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p"}); !errors.Is(err, api.CodeTooManySIPRegistrations) {
		t.Errorf("create beyond the seeded limit: %v, want 272", err)
	}
	// A client that does not trust the certificate is refused.
	plain, _ := api.NewClient(api.WithBaseURL(url), api.WithCredentialsFile(creds), api.WithRetryPolicy(api.NoRetries()))
	if _, err := plain.GetSIPRegistrations(context.Background(), nil); err == nil {
		t.Error("a client without the certificate got through")
	}

	cancel()
	if err := testutil.Recv(t, done, "Serve to return after ctx ends"); err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestServeRefusesABadSeedFile(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	os.WriteFile(seed, []byte(`{"registrations":[{"sip_registration_id":1},{"sip_registration_id":1}]}`), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), testutil.WaitLimit) // a broken Serve ends too
	defer cancel()
	err := apitest.Serve(ctx, apitest.ServeConfig{Addr: "127.0.0.1:0", CredentialsFile: filepath.Join(dir, "c.json"), SeedFile: seed}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("Serve with a seed that repeats an id: %v", err)
	}
}

// gate is a Log writer that holds the first accepted request inside the fake until released.
type gate struct {
	once     sync.Once
	arrived  chan struct{}
	released chan struct{}
}

func (g *gate) Write(p []byte) (int, error) {
	first := false // only the first request is held
	g.once.Do(func() { first = true })
	if first {
		close(g.arrived)
		<-g.released
	}
	return len(p), nil
}

// TestServeShutsDownGracefully: when ctx ends while a request is being handled, Serve stops
// listening and lets the request finish (the client gets its answer), then returns.
func TestServeShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "creds.json")
	g := &gate{arrived: make(chan struct{}), released: make(chan struct{})}
	defer apitest.SetServeOnShutdown(func() { close(g.released) })()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines, done := startServe(ctx, apitest.ServeConfig{Addr: "127.0.0.1:0", CredentialsFile: creds, Log: g, ShutdownTimeout: time.Minute})
	url := testutil.Recv(t, lines, "the URL")
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	c, err := api.NewClient(api.WithBaseURL(url), api.WithCredentialsFile(creds), api.WithHTTPClient(hc), api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		t.Fatal(err)
	}
	result := make(chan error, 1)
	go func() {
		_, err := c.CreateSIPRegistration(context.Background(), &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p"})
		result <- err
	}()
	testutil.Recv(t, g.arrived, "the request to reach the fake")
	cancel() // the request is released once the shutdown has begun
	if err := testutil.Recv(t, result, "the in-flight request"); err != nil {
		t.Errorf("the in-flight request failed: %v", err)
	}
	if err := testutil.Recv(t, done, "Serve to return"); err != nil {
		t.Errorf("Serve: %v", err)
	}
}
