package api_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
)

func TestNewClientCredentialSources(t *testing.T) {
	srv := apitest.NewServer()
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
	srv := apitest.NewServer()
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
