package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/redact"
)

// Version is the version of this module, sent in the User-Agent header.
const Version = "0.1.0"

// errPrefix starts every error message of the library (and of package auth's): one prefix, so
// that a reader sees at once where an error comes from.
const errPrefix = "voxsip:"

// DefaultBaseURL is the Management API's address.
const DefaultBaseURL = "https://api.voximplant.com/platform_api"

// EnvBaseURL is the environment variable NewClient reads the API's address from when no
// WithBaseURL option (or WithBaseURL("")) is given, as the CLI does.
const EnvBaseURL = "VOXIMPLANT_BASE_URL"

// DefaultTimeout bounds each attempt when the client makes its own *http.Client.
const DefaultTimeout = 30 * time.Second

// userAgent is sent with every request.
var userAgent = "voxsip/" + Version + " (" + runtime.Version() + ")"

// Client calls the Voximplant Management API. It is safe for concurrent use; share one per
// account rather than making one per call, so that its token and connections are reused.
type Client struct {
	base   string // ends with "/"
	gen    *generated.Client
	http   *http.Client
	tokens auth.TokenSource
	retry  RetryPolicy
	logger *slog.Logger

	maxListRows int // AllSIPRegistrations' row limit (0: DefaultMaxListRows)
	// prevalidated: the caller validates every Params before it calls (apihook.TrustValidated).
	prevalidated bool

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

	maxListRows int
}

// WithCredentials authenticates with parsed service-account credentials.
func WithCredentials(c *auth.Credentials) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New(errPrefix + " WithCredentials: nil credentials")
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
			return errors.New(errPrefix + " WithCredentialsFile: empty path")
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
			return errors.New(errPrefix + " WithTokenSource: nil token source")
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

// WithBaseURL sets the API's address; point it at an apitest.Server or `voxsip serve` in tests.
// It must be an absolute http or https URL without user info, query or fragment (the API
// authenticates with tokens, and a query could hold secrets). Errors never show the user info or
// the query. An empty base is no option at all: the address comes from VOXIMPLANT_BASE_URL if
// set, else DefaultBaseURL.
func WithBaseURL(base string) Option {
	return func(o *options) error {
		if base == "" {
			o.baseURL = ""
			return nil
		}
		if err := checkBaseURL(base, "WithBaseURL"); err != nil {
			return err
		}
		o.baseURL = base
		return nil
	}
}

// checkBaseURL checks a base URL that came from, and names its source in the error.
func checkBaseURL(base, from string) error {
	u, err := url.Parse(base)
	if err != nil {
		return errors.New(errPrefix + " " + from + ": not a valid URL" + urlProblem(err))
	}
	// An empty fragment ("…/platform_api#") leaves Fragment empty but cuts the path off the
	// requests, hence the '#' test.
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery ||
		strings.Contains(base, "#") {
		return fmt.Errorf("%s %s: %q is not an absolute http(s) URL without user info, query or fragment", errPrefix, from, redact.URL(u))
	}
	return nil
}

// baseURL is the API's address: the WithBaseURL option, else VOXIMPLANT_BASE_URL, else
// DefaultBaseURL.
func baseURL(fromOption string) (string, error) {
	if fromOption != "" {
		return fromOption, nil
	}
	if env := os.Getenv(EnvBaseURL); env != "" {
		return env, checkBaseURL(env, EnvBaseURL)
	}
	return DefaultBaseURL, nil
}

// urlProblem names what url.Parse disliked without quoting the input (which may hold secrets).
func urlProblem(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch err.(type) {
	case url.EscapeError:
		return " (a bad %-escape)"
	case url.InvalidHostError:
		return " (an invalid character in the host)"
	}
	if strings.Contains(err.Error(), "control character") {
		return " (it holds a control character)"
	}
	return ""
}

// WithHTTPClient sends requests through hc, for proxies, custom transports or instrumentation
// (an otelhttp-wrapped client sees every attempt). The client copies hc and never changes it; the
// copy refuses redirects (requests carry a password and a token). Without this option the client
// uses its own *http.Client with DefaultTimeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New(errPrefix + " WithHTTPClient: nil client")
		}
		o.http = hc
		return nil
	}
}

// WithRetryPolicy replaces DefaultRetryPolicy(). Whatever the policy says, an operation that is
// not idempotent (CreateSipRegistration) is retried only when the API provably did nothing.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(o *options) error {
		if p.MaxAttempts < 1 {
			return fmt.Errorf(errPrefix+" WithRetryPolicy: MaxAttempts %d, want at least 1", p.MaxAttempts)
		}
		if p.BaseDelay < 0 || p.MaxDelay < 0 {
			return errors.New(errPrefix + " WithRetryPolicy: negative delay")
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

// NewClient returns a client. Options win over the environment, as in the CLI:
//
//   - credentials come from WithCredentials, WithCredentialsFile or WithTokenSource (at most
//     one), else from the file named by VOXIMPLANT_CREDENTIALS; with none of them NewClient
//     returns ErrNoCredentials;
//   - the API's address comes from WithBaseURL, else from VOXIMPLANT_BASE_URL, else it is
//     DefaultBaseURL.
func NewClient(opts ...Option) (*Client, error) {
	o := options{retry: DefaultRetryPolicy()}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	base, err := baseURL(o.baseURL)
	if err != nil {
		return nil, err
	}
	tokens, err := o.tokenSource()
	if err != nil {
		return nil, err
	}

	var hc http.Client
	if o.http != nil {
		hc = *o.http
	} else {
		hc.Timeout = DefaultTimeout
		hc.Transport = defaultTransport()
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	// The generated client builds and sends every request; the auth request editor adds the
	// bearer token, and setHeaders the client's own headers.
	gen, err := generated.NewClient(base,
		generated.WithHTTPClient(&hc),
		generated.WithRequestEditorFn(auth.RequestEditor(tokens)),
		generated.WithRequestEditorFn(setHeaders),
	)
	if err != nil {
		return nil, fmt.Errorf("%s %w", errPrefix, err)
	}
	return &Client{
		base:   base,
		gen:    gen,
		http:   &hc,
		tokens: tokens,
		retry:  o.retry,
		logger: o.logger,
		now:    time.Now,

		maxListRows: o.maxListRows,
		sleep:       sleepTimer,
	}, nil
}

// tokenSource is the token source the options give: WithTokenSource's, else one made from the
// credentials of WithCredentials, WithCredentialsFile or VOXIMPLANT_CREDENTIALS, in that order.
func (o *options) tokenSource() (auth.TokenSource, error) {
	if o.credOpts > 1 {
		return nil, errors.New(errPrefix + " more than one of WithCredentials, WithCredentialsFile and WithTokenSource given; pick one")
	}
	if o.tokens != nil {
		return o.tokens, nil
	}
	creds, err := o.creds, error(nil)
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
		return nil, err // auth's errors carry the prefix
	}
	return auth.NewTokenSource(creds, o.authOpts...)
}

// DefaultMaxIdleConnsPerHost is how many idle keep-alive connections the client's own transport
// keeps to the API: enough for that many concurrent calls to reuse connections (net/http's
// default transport keeps 2).
const DefaultMaxIdleConnsPerHost = 64

// defaultTransport is a clone of http.DefaultTransport, so that CloseIdleConnections closes this
// client's connections only, with a larger idle pool.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	return t
}

// setHeaders sets the headers every request carries besides the token.
func setHeaders(_ context.Context, req *http.Request) error {
	req.Header["User-Agent"] = []string{userAgent}
	req.Header["Accept"] = []string{"application/json"}
	return nil
}

// CloseIdleConnections closes the client's idle keep-alive connections (and so their
// goroutines), e.g. before a program or test ends. The client stays usable. With the client's
// own transport this touches no other client's connections.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// String describes the client without secrets: a base URL's user info is redacted.
func (c *Client) String() string {
	shown := "(invalid URL)"
	if u, err := url.Parse(strings.TrimSuffix(c.base, "/")); err == nil {
		shown = redact.URL(u)
	}
	return "api.Client{" + shown + "}"
}

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
