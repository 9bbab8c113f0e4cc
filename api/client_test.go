package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
)

func TestNewClientCredentialSources(t *testing.T) {
	srv := newFake()
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(path, srv.CredentialsJSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	ts, _ := auth.NewTokenSource(srv.Credentials())
	params := &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1}

	t.Setenv(auth.EnvCredentials, "")
	for name, opt := range map[string]api.Option{
		"WithCredentials":     api.WithCredentials(srv.Credentials()),
		"WithCredentialsFile": api.WithCredentialsFile(path),
		"WithTokenSource":     api.WithTokenSource(ts),
	} {
		c, err := api.NewClient(api.WithBaseURL(srv.URL), opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.UpdateSIPRegistration(context.Background(), params); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	if _, err := api.NewClient(); !errors.Is(err, api.ErrNoCredentials) {
		t.Errorf("no credentials anywhere: err = %v, want ErrNoCredentials", err)
	}
	t.Setenv(auth.EnvCredentials, path)
	c, err := api.NewClient(api.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatalf("from the environment: %v", err)
	}
	if err := c.UpdateSIPRegistration(context.Background(), params); err != nil {
		t.Errorf("from the environment: %v", err)
	}
	t.Setenv(auth.EnvCredentials, filepath.Join(t.TempDir(), "missing.json"))
	if _, err := api.NewClient(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("env names a missing file: err = %v, want os.ErrNotExist", err)
	}
}

func TestNewClientRejectsBadOptions(t *testing.T) {
	creds := testCreds(t)
	for name, opts := range map[string][]api.Option{
		"two credential options": {api.WithCredentials(creds), api.WithCredentialsFile("x.json")},
		"relative base URL":      {api.WithCredentials(creds), api.WithBaseURL("/platform_api")},
		"ftp base URL":           {api.WithCredentials(creds), api.WithBaseURL("ftp://example.com/")},
		"base URL with query":    {api.WithCredentials(creds), api.WithBaseURL("https://example.com/?password=x")},
		"nil HTTP client":        {api.WithCredentials(creds), api.WithHTTPClient(nil)},
		"nil credentials":        {api.WithCredentials(nil)},
		"nil token source":       {api.WithTokenSource(nil)},
		"empty credentials path": {api.WithCredentialsFile("")},
		"zero attempts":          {api.WithCredentials(creds), api.WithRetryPolicy(api.RetryPolicy{})},
		"bad auth option":        {api.WithCredentials(creds), api.WithAuthOptions(auth.WithLifetime(2 * time.Hour))},
	} {
		if _, err := api.NewClient(opts...); err == nil {
			t.Errorf("%s: NewClient accepted it", name)
		} else if strings.Contains(err.Error(), "password=x") {
			t.Errorf("%s: error repeats the URL's query: %v", name, err)
		}
	}
}

// countingTransport counts round trips through http.DefaultTransport.
type countingTransport struct{ n int }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return http.DefaultTransport.RoundTrip(r)
}

func TestWithHTTPClientIsCopiedNotMutated(t *testing.T) {
	srv := newFake()
	defer srv.Close()
	rt := &countingTransport{}
	hc := &http.Client{Transport: rt, Timeout: 7 * time.Second}
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()), api.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1}); err != nil {
		t.Fatal(err)
	}
	if rt.n != 1 {
		t.Errorf("the custom transport saw %d requests, want 1", rt.n)
	}
	if hc.CheckRedirect != nil || hc.Timeout != 7*time.Second || hc.Transport != rt {
		t.Error("NewClient modified the *http.Client it was given")
	}
}

// A custom transport (an otelhttp-wrapped client, a metrics middleware) sees every attempt,
// retries included, through WithHTTPClient.
func TestCustomTransportSeesEveryAttempt(t *testing.T) {
	rt := &countingTransport{}
	c, srv, _ := setup(t, api.WithHTTPClient(&http.Client{Transport: rt}))
	srv.Enqueue(apitest.Status(503, nil, "busy"), apitest.Error(340, "Rate limit exceeded"))
	if err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1}); err != nil {
		t.Fatal(err)
	}
	if rt.n != 3 {
		t.Errorf("the transport saw %d round trips, want 3 (two failed attempts and the success)", rt.n)
	}
}

// WithBaseURL refuses user info, a query and a fragment, and its error repeats none of them.
func TestWithBaseURLRefusesSecretsWithoutEchoingThem(t *testing.T) {
	creds := testCreds(t)
	for _, base := range []string{
		"https://alice:hunter2@api.example/platform_api",
		"https://hunter2@api.example/platform_api",
		"https://api.example/platform_api?password=hunter2",
		"https://api.example/platform_api?token=hunter2&x=1",
		"https://api.example/platform_api#hunter2",
		"https://api.example/platform_api?",
		"https://api.example/platform_api#", // an empty fragment: requests went to /UpdateSipRegistration
		"https://alice:hunter2@api.example/platform_api?password=hunter2#hunter2",
		"https://alice:hunter2@api.exa mple/%zz?password=hunter2", // unparsable
	} {
		_, err := api.NewClient(api.WithCredentials(creds), api.WithBaseURL(base))
		if err == nil {
			t.Errorf("WithBaseURL(%q) accepted", base)
			continue
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%q"} {
			if out := fmt.Sprintf(verb, err); strings.Contains(out, "hunter2") || strings.Contains(out, "alice") || strings.Contains(out, "password=") {
				t.Errorf("WithBaseURL(%q): %s of the error repeats a secret: %s", base, verb, out)
			}
		}
	}
}

// String, %v, %+v and %#v of a client never show a base URL's user info or query, even one that
// got past WithBaseURL.
func TestClientStringRedactsUserInfo(t *testing.T) {
	c, err := api.NewClient(api.WithCredentials(testCreds(t)), api.WithBaseURL("https://api.example/platform_api"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.String(), "api.Client{https://api.example/platform_api}"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	api.SetBaseURLForTest(c, "https://alice:hunter2@api.example/platform_api?password=hunter2/")
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, c)
		if strings.Contains(out, "hunter2") || strings.Contains(out, "alice") {
			t.Errorf("%s of the client shows the user info or query: %s", verb, out)
		}
		if !strings.Contains(out, "api.example") {
			t.Errorf("%s of the client does not show the host: %s", verb, out)
		}
	}
}

// A redirect is refused through a caller's *http.Client too, and that client is not changed.
func TestWithHTTPClientRefusesRedirects(t *testing.T) {
	var hit atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit.Store(true) }))
	defer other.Close()
	hc := &http.Client{}
	c, srv, _ := setup(t, api.WithHTTPClient(hc))
	srv.Enqueue(apitest.Redirect(307, other.URL+"/steal"))
	err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1})
	var re *api.RedirectError
	if !errors.As(err, &re) || re.StatusCode != 307 || len(srv.Requests()) != 1 {
		t.Errorf("err = %v after %d requests, want a RedirectError at once", err, len(srv.Requests()))
	}
	if hit.Load() {
		t.Error("the client followed the redirect")
	}
	if hc.CheckRedirect != nil || hc.Transport != nil || hc.Timeout != 0 || hc.Jar != nil {
		t.Errorf("NewClient modified the *http.Client it was given: %+v", hc)
	}
}

// The default client's CloseIdleConnections closes its own connections only: a connection that
// http.DefaultClient keeps idle survives it.
func TestCloseIdleConnectionsLeavesTheDefaultTransportAlone(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	get := func() {
		t.Helper()
		resp, err := http.DefaultClient.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		// Reading to EOF returns the connection to the idle pool before ReadAll returns.
		if _, err := io.ReadAll(resp.Body); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Made first: closing an httptest.Server (as testCreds does) closes the default transport's
	// idle connections.
	c, err := api.NewClient(api.WithCredentials(testCreds(t)), api.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	get()
	c.CloseIdleConnections()
	get()
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for two requests through http.DefaultClient, want 1: the client closed the default transport's idle connection", n)
	}
}

// Every error of packages api and auth starts with the same prefix, once: an option refused, a
// credentials file that cannot be read, a request refused before or after sending, and retries
// that ran out.
func TestOnePrefixForEveryError(t *testing.T) {
	const prefix = "voxsip: "
	errs := map[string]error{"ErrNoCredentials": api.ErrNoCredentials, "ErrOutcomeUnknown": api.ErrOutcomeUnknown}
	for name, opt := range map[string]api.Option{
		"WithCredentials(nil)":      api.WithCredentials(nil),
		"WithCredentialsFile(\"\")": api.WithCredentialsFile(""),
		"WithTokenSource(nil)":      api.WithTokenSource(nil),
		"WithBaseURL(ftp)":          api.WithBaseURL("ftp://x"),
		"WithHTTPClient(nil)":       api.WithHTTPClient(nil),
		"WithRetryPolicy(0)":        api.WithRetryPolicy(api.RetryPolicy{}),
		"missing file":              api.WithCredentialsFile(filepath.Join(t.TempDir(), "none.json")),
	} {
		_, errs[name] = api.NewClient(opt)
	}
	_, errs["two credential options"] = api.NewClient(api.WithTokenSource(fixedToken{}), api.WithCredentials(testCreds(t)))
	_, errs["auth.NewSigner(nil)"] = auth.NewSigner(nil)
	_, errs["auth.NewCachingSource(nil)"] = auth.NewCachingSource(nil)
	_, errs["auth.ParseCredentials"] = auth.ParseCredentials([]byte(`{}`))
	c, srv, _ := setup(t)
	errs["validation"] = c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{})
	srv.Enqueue(apitest.Error(101, "Invalid arguments"))
	errs["API error"] = c.UpdateSIPRegistration(context.Background(), one)
	srv.Enqueue(apitest.Status(503, nil, "busy"), apitest.Status(503, nil, "busy"), apitest.Status(503, nil, "busy"))
	errs["attempts"] = c.UpdateSIPRegistration(context.Background(), one)
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, prefix) || strings.Contains(msg[len(prefix):], prefix) {
			t.Errorf("%s: %q does not start with %q exactly once", name, msg, prefix)
		}
	}
}

// With no options NewClient reads VOXIMPLANT_CREDENTIALS and VOXIMPLANT_BASE_URL, as the CLI
// does; options win over the environment, and WithBaseURL("") is no option at all.
func TestNewClientReadsTheEnvironment(t *testing.T) {
	srv := newFake()
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(path, srv.CredentialsJSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not this one", http.StatusTeapot)
	}))
	t.Cleanup(down.Close)
	t.Setenv(auth.EnvCredentials, path)

	update := func(t *testing.T, opts ...api.Option) error {
		t.Helper()
		c, err := api.NewClient(append(opts, api.WithRetryPolicy(api.NoRetries()))...)
		if err != nil {
			return err
		}
		defer c.CloseIdleConnections()
		return c.UpdateSIPRegistration(context.Background(), one)
	}
	t.Setenv(api.EnvBaseURL, srv.URL)
	if err := update(t); err != nil {
		t.Errorf("no options, both variables set: %v", err)
	}
	if err := update(t, api.WithBaseURL("")); err != nil {
		t.Errorf(`WithBaseURL(""): %v, want the variable's address`, err)
	}
	t.Setenv(api.EnvBaseURL, down.URL)
	if err := update(t, api.WithBaseURL(srv.URL)); err != nil {
		t.Errorf("WithBaseURL over the variable: %v", err)
	}
	if err := update(t); err == nil || !strings.Contains(err.Error(), "418") {
		t.Errorf("the variable's server answers 418, got %v", err)
	}
	t.Setenv(api.EnvBaseURL, "https://user:pw@api.example/x")
	if _, err := api.NewClient(); err == nil || !strings.Contains(err.Error(), api.EnvBaseURL) || strings.Contains(err.Error(), "pw") {
		t.Errorf("a bad VOXIMPLANT_BASE_URL: err = %v, want it named, without its user info", err)
	}
	t.Setenv(api.EnvBaseURL, "")
	c, err := api.NewClient(api.WithBaseURL(""))
	if err != nil || c.String() != "api.Client{"+api.DefaultBaseURL+"}" {
		t.Errorf("neither option nor variable: %v, %v; want DefaultBaseURL", c, err)
	}
}
