package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/voxsip/voxsip/auth"
)

// Version is the version of this module, sent in the User-Agent header.
const Version = "0.1.0"

// DefaultBaseURL is the Management API's address.
const DefaultBaseURL = "https://api.voximplant.com/platform_api"

// DefaultTimeout bounds each attempt when the client makes its own *http.Client.
const DefaultTimeout = 30 * time.Second

// userAgent is sent with every request.
var userAgent = "voxsip/" + Version + " (" + runtime.Version() + ")"

// Client calls the Voximplant Management API. It is safe for concurrent use; share one per
// account rather than making one per call, so that its token and connections are reused.
type Client struct {
	base      string // ends with "/"
	updateURL string // base + the operation's path
	http      *http.Client
	tokens    auth.TokenSource
	retry     RetryPolicy
	logger    *slog.Logger

	now   func() time.Time                                 // the clock for Retry-After dates
	sleep func(d time.Duration, done <-chan struct{}) bool // waits d; false if done closed first
}

// invalidator is implemented by token sources that cache, such as *auth.CachingSource.
type invalidator interface {
	Invalidate(auth.Token)
}

// Option configures [NewClient].
type Option func(*options) error

type options struct {
	creds     *auth.Credentials
	credsFile string
	tokens    auth.TokenSource
	credOpts  int // how many credential options were given
	authOpts  []auth.Option
	baseURL   string
	http      *http.Client
	retry     RetryPolicy
	logger    *slog.Logger
}

// WithCredentials authenticates with parsed service-account credentials.
func WithCredentials(c *auth.Credentials) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("api: WithCredentials: nil credentials")
		}
		o.creds = c
		o.credOpts++
		return nil
	}
}

// WithCredentialsFile authenticates with the credentials.json at path (see auth.LoadCredentials).
func WithCredentialsFile(path string) Option {
	return func(o *options) error {
		if path == "" {
			return errors.New("api: WithCredentialsFile: empty path")
		}
		o.credsFile = path
		o.credOpts++
		return nil
	}
}

// WithTokenSource authenticates with tokens from ts, used as it is: wrap it in an
// auth.CachingSource if it mints on every call. If ts has an Invalidate(auth.Token) method, the
// client calls it when the API answers "authorization failed" (code 100) and retries once.
func WithTokenSource(ts auth.TokenSource) Option {
	return func(o *options) error {
		if ts == nil {
			return errors.New("api: WithTokenSource: nil token source")
		}
		o.tokens = ts
		o.credOpts++
		return nil
	}
}

// WithAuthOptions passes options (token lifetime, child account id, clock) to the token source
// the client builds from credentials. It has no effect with WithTokenSource.
func WithAuthOptions(opts ...auth.Option) Option {
	return func(o *options) error {
		o.authOpts = append(o.authOpts, opts...)
		return nil
	}
}

// WithBaseURL sets the API's address, DefaultBaseURL by default; point it at an apitest.Server
// in tests. It must be an absolute http or https URL without a query.
func WithBaseURL(base string) Option {
	return func(o *options) error {
		u, err := url.Parse(base)
		if err != nil {
			return fmt.Errorf("api: WithBaseURL: %w", err)
		}
		if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			shown := url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: u.Path} // no query: it may hold secrets
			return fmt.Errorf("api: WithBaseURL: %q is not an absolute http(s) URL without query or fragment", shown.Redacted())
		}
		o.baseURL = base
		return nil
	}
}

// WithHTTPClient sends requests through hc, for proxies, custom transports or instrumentation
// (an otelhttp-wrapped client sees every attempt). The client copies hc and never changes it; the
// copy refuses redirects (requests carry a password and a token). Without this option the client
// uses its own *http.Client with DefaultTimeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("api: WithHTTPClient: nil client")
		}
		o.http = hc
		return nil
	}
}

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(o *options) error {
		if p.MaxAttempts < 1 {
			return fmt.Errorf("api: WithRetryPolicy: MaxAttempts %d, want at least 1", p.MaxAttempts)
		}
		if p.BaseDelay < 0 || p.MaxDelay < 0 {
			return errors.New("api: WithRetryPolicy: negative delay")
		}
		o.retry = p
		return nil
	}
}

// WithLogger logs one line per attempt (method, operation, status, attempt, duration, error) to
// l: at Debug level for successes, Warn for failures. Secrets are masked.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = l
		return nil
	}
}

// NewClient returns a client. Credentials come from WithCredentials, WithCredentialsFile or
// WithTokenSource (at most one), else from the file named by VOXIMPLANT_CREDENTIALS; with none
// of them NewClient returns an error wrapping ErrNoCredentials.
func NewClient(opts ...Option) (*Client, error) {
	o := options{baseURL: DefaultBaseURL, retry: DefaultRetryPolicy}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.credOpts > 1 {
		return nil, errors.New("api: more than one of WithCredentials, WithCredentialsFile and WithTokenSource given; pick one")
	}

	tokens := o.tokens
	if tokens == nil {
		creds := o.creds
		var err error
		switch {
		case creds != nil:
		case o.credsFile != "":
			creds, err = auth.LoadCredentials(o.credsFile)
		default:
			creds, err = auth.CredentialsFromEnv()
			if errors.Is(err, auth.ErrNoCredentialsEnv) {
				return nil, ErrNoCredentials
			}
		}
		if err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
		if tokens, err = auth.NewTokenSource(creds, o.authOpts...); err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
	}

	var hc http.Client
	if o.http != nil {
		hc = *o.http
	} else {
		hc.Timeout = DefaultTimeout
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	base := o.baseURL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return &Client{
		base:      base,
		updateURL: base + "UpdateSipRegistration",
		http:      &hc,
		tokens:    tokens,
		retry:     o.retry,
		logger:    o.logger,
		now:       time.Now,
		sleep:     sleepTimer,
	}, nil
}

// CloseIdleConnections closes the client's idle keep-alive connections (and so their
// goroutines), e.g. before a program or test ends. The client stays usable.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// String describes the client without secrets.
func (c *Client) String() string { return "api.Client{" + strings.TrimSuffix(c.base, "/") + "}" }

// GoString is String.
func (c *Client) GoString() string { return c.String() }

// sleepTimer waits d on a timer, or until done is closed.
func sleepTimer(d time.Duration, done <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
