package api_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/testutil"
)

func TestIsRetryable(t *testing.T) {
	urlErr := func(err error) error { return &url.Error{Op: "Post", URL: "https://api.example/x", Err: err} }
	dnsNotFound := &net.DNSError{Err: "no such host", Name: "api.invalid", IsNotFound: true}
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"context.Canceled", context.Canceled, false},
		{"context.Canceled in a url.Error", urlErr(context.Canceled), false},
		{"bare context.DeadlineExceeded (the call's own deadline)", context.DeadlineExceeded, false},
		{"wrapped context.DeadlineExceeded", fmt.Errorf("voxsip: x: %w", context.DeadlineExceeded), false},
		{"url.Error with Timeout (http.Client.Timeout awaiting headers)", urlErr(attemptTimeout{"while awaiting headers"}), true},
		{"timeout while reading the body (no url.Error)", fmt.Errorf("reading the response: %w", attemptTimeout{"while reading body"}), true},
		{"TLS alert inside net.OpError", urlErr(&net.OpError{Op: "remote error", Err: tls.AlertError(42)}), false},
		{"TLS record header error", urlErr(tls.RecordHeaderError{Msg: "not TLS"}), false},
		{"x509 unknown authority", urlErr(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), false},
		{"x509 unknown authority, bare", x509.UnknownAuthorityError{}, false},
		{"x509 hostname mismatch", urlErr(x509.HostnameError{Host: "x"}), false},
		{"x509 certificate invalid", urlErr(x509.CertificateInvalidError{Reason: x509.Expired}), false},
		{"ECONNRESET", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), true},
		{"ECONNRESET, bare", syscall.ECONNRESET, true},
		{"ECONNREFUSED", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: refused}), true},
		{"ECONNREFUSED, bare", syscall.ECONNREFUSED, true},
		{"io.ErrUnexpectedEOF", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), true},
		{"io.EOF (closed before the response)", urlErr(io.EOF), true},
		{"DNS no such host", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: dnsNotFound}), false},
		{"DNS timeout", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}}), true},
		{"DNS temporary", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}}), true},
		{"redirect refused", &api.RedirectError{Op: "x", StatusCode: 307}, false},
		{"validation error", &api.ValidationError{Op: "x"}, false},
		{"plain error", errors.New("something"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := api.IsRetryable(tt.err); got != tt.want {
				t.Errorf("IsRetryable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	for code, want := range map[api.ErrorCode]bool{162: true, 314: true, 340: true, 416: true, 101: false, 100: false, 2: false, 272: false} {
		err := fmt.Errorf("wrapped: %w", &api.Error{Op: "x", StatusCode: 200, Code: code})
		if got := api.IsRetryable(err); got != want {
			t.Errorf("IsRetryable(*api.Error %d) = %v, want %v", code, got, want)
		}
	}
	for status, want := range map[int]bool{429: true, 500: true, 502: true, 503: true, 504: true, 599: true, 400: false, 401: false, 404: false, 501: false, 200: false} {
		err := &api.ResponseError{Op: "x", StatusCode: status}
		if got := api.IsRetryable(err); got != want {
			t.Errorf("IsRetryable(ResponseError %d) = %v, want %v", status, got, want)
		}
	}
}

// The first wait is drawn from [BaseDelay/2, BaseDelay], and it is drawn: not a constant.
func TestJitterSpread(t *testing.T) {
	p := api.RetryPolicy{MaxAttempts: 3, BaseDelay: 250 * time.Millisecond}
	seen := map[time.Duration]bool{}
	for range 1000 {
		d, ok := api.Delay(p, 1, errors.New("x"))
		if !ok || d < 125*time.Millisecond || d > 250*time.Millisecond {
			t.Fatalf("delay = %v, %v; want within [125ms, 250ms]", d, ok)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Errorf("1000 draws gave %d distinct delays, want jitter", len(seen))
	}
}

// MaxDelay 0 means no cap: the waits keep doubling.
func TestBackoffWithoutCapGrows(t *testing.T) {
	c, srv, s := setup(t, api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 5, BaseDelay: time.Second}))
	busy := apitest.Status(503, nil, "busy")
	srv.Enqueue(busy, busy, busy, busy)
	if err := c.UpdateSIPRegistration(context.Background(), one); err != nil {
		t.Fatal(err)
	}
	waits := s.got()
	if len(waits) != 4 {
		t.Fatalf("waits %v, want 4", waits)
	}
	for i, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if waits[i] < d/2 || waits[i] > d {
			t.Errorf("wait %d = %v, want within [%v, %v] (all waits: %v)", i+1, waits[i], d/2, d, waits)
		}
	}
}

// The policies are values made afresh: changing one changes no other.
func TestRetryPolicyConstructorsReturnFreshValues(t *testing.T) {
	p := api.DefaultRetryPolicy()
	p.MaxAttempts, p.BaseDelay, p.MaxDelay, p.Retryable = 99, time.Hour, time.Hour, func(error) bool { return true }
	if q := api.DefaultRetryPolicy(); q.MaxAttempts != 3 || q.BaseDelay != 250*time.Millisecond || q.MaxDelay != 20*time.Second || q.Retryable != nil {
		t.Errorf("DefaultRetryPolicy() = %+v after changing an earlier one", q)
	}
	n := api.NoRetries()
	n.MaxAttempts = 7
	if q := api.NoRetries(); q.MaxAttempts != 1 || q.BaseDelay != 0 || q.MaxDelay != 0 || q.Retryable != nil {
		t.Errorf("NoRetries() = %+v after changing an earlier one", q)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Run("with_an_API_error_body_waits_exactly_that_long", func(t *testing.T) {
		n, waits, err := update(t, apitest.Status(429, http.Header{"Retry-After": []string{"3"}, "Content-Type": []string{"application/json"}},
			`{"error":{"code":340,"msg":"Rate limit exceeded"}}`))
		if err != nil || n != 2 || len(waits) != 1 || waits[0] != 3*time.Second {
			t.Errorf("err = %v, %d requests, waits %v; want success after one wait of 3s", err, n, waits)
		}
	})
	for _, v := range []string{"100000", "99999999999999999999"} {
		t.Run("too_long_"+v+"_gives_up_at_once", func(t *testing.T) {
			n, waits, err := update(t, apitest.Status(429, http.Header{"Retry-After": []string{v}}, ""))
			var re *api.ResponseError
			if !errors.As(err, &re) || re.RetryAfter < 20*time.Second || n != 1 || len(waits) != 0 {
				t.Errorf("err = %v, %d requests, waits %v; want the 429 at once, Retry-After past MaxDelay", err, n, waits)
			}
		})
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                     0,
		"3":                    3 * time.Second,
		" 3 ":                  3 * time.Second,
		"-3":                   0,
		"soon":                 0,
		"3.5":                  0,
		"100000":               24 * time.Hour,
		"99999999999999999999": 24 * time.Hour,
		now.Add(7 * time.Second).Format(http.TimeFormat):  7 * time.Second,
		now.Add(-7 * time.Second).Format(http.TimeFormat): 0,
	} {
		if got := api.ParseRetryAfter(v, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

// errBody is a response body that fails its first read with err.
type errBody struct{ err error }

func (b errBody) Read([]byte) (int, error) { return 0, b.err }
func (errBody) Close() error               { return nil }

func TestBodyReadFailures(t *testing.T) {
	// A 200 whose body fails with err, then the fake's answers.
	failOnce := func(t *testing.T, err error) (*api.Client, *sleeps, *atomic.Int64) {
		var trips atomic.Int64
		base := http.DefaultTransport.(*http.Transport).Clone()
		t.Cleanup(base.CloseIdleConnections)
		rt := rtFunc(func(r *http.Request) (*http.Response, error) {
			if trips.Add(1) == 1 {
				return &http.Response{StatusCode: 200, Header: http.Header{}, Body: errBody{err}, Request: r}, nil
			}
			return base.RoundTrip(r)
		})
		c, _, s := setup(t, api.WithHTTPClient(&http.Client{Transport: rt}))
		return c, s, &trips
	}
	for name, err := range map[string]error{
		"http.Client.Timeout_mid-body": attemptTimeout{"while reading body"},
		"a_net.Error_timeout":          &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ETIMEDOUT)},
		"connection_reset_mid-body":    &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)},
		"unexpected_EOF_mid-body":      io.ErrUnexpectedEOF,
	} {
		t.Run(name+"_is_retried", func(t *testing.T) {
			c, s, trips := failOnce(t, err)
			if err := c.UpdateSIPRegistration(context.Background(), one); err != nil || trips.Load() != 2 || len(s.got()) != 1 {
				t.Errorf("err = %v, %d round trips, waits %v; want success on the 2nd", err, trips.Load(), s.got())
			}
		})
	}
	t.Run("the_call's_context_ending_mid-body_is_not_retried", func(t *testing.T) {
		var trips atomic.Int64
		ctx := newExpiringCtx()
		rt := rtFunc(func(r *http.Request) (*http.Response, error) {
			trips.Add(1)
			ctx.expire() // the call's deadline passes while the body is read
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: errBody{context.DeadlineExceeded}, Request: r}, nil
		})
		c, _, s := setup(t, api.WithHTTPClient(&http.Client{Transport: rt}))
		err := c.UpdateSIPRegistration(ctx, one)
		if !errors.Is(err, context.DeadlineExceeded) || trips.Load() != 1 || len(s.got()) != 0 {
			t.Errorf("err = %v, %d round trips, waits %v; want DeadlineExceeded after one attempt", err, trips.Load(), s.got())
		}
	})
}

func TestDNSFailures(t *testing.T) {
	for _, tt := range []struct {
		name  string
		err   *net.DNSError
		dials int64
	}{
		{"no_such_host_is_not_retried", &net.DNSError{Err: "no such host", Name: "api.invalid", IsNotFound: true}, 1},
		{"timeout_is_retried", &net.DNSError{Err: "i/o timeout", Name: "api.invalid", IsTimeout: true}, 3},
		{"temporary_failure_is_retried", &net.DNSError{Err: "server misbehaving", Name: "api.invalid", IsTemporary: true}, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var dials atomic.Int64
			c, _, s := setup(t, api.WithHTTPClient(&http.Client{Transport: dialFailing(tt.err, &dials)}))
			err := c.UpdateSIPRegistration(context.Background(), one)
			var dnsErr *net.DNSError
			if !errors.As(err, &dnsErr) || dials.Load() != tt.dials || len(s.got()) != int(tt.dials-1) {
				t.Errorf("err = %v, %d dials, waits %v; want the DNS error after %d dials", err, dials.Load(), s.got(), tt.dials)
			}
			wantAttempts(t, err, int(tt.dials))
		})
	}
}

// Only an operation that is not idempotent can have an unknown outcome: after a 502 (or a
// connection reset once the request was written) an idempotent operation's error does not match
// ErrOutcomeUnknown, and a non-idempotent one's does. Each operation's idempotency is read from
// openapi.yaml (x-voxsip-idempotent), through the generated table.
func TestOutcomeUnknownOnlyForOperationsThatAreNotIdempotent(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	t.Cleanup(hs.Close)
	c, err := api.NewClient(api.WithBaseURL(hs.URL), api.WithCredentials(testCreds(t)), api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	kinds := map[bool]int{}
	for _, op := range params.All() {
		err := call(t, context.Background(), c, op, testutil.ValidParams(op))
		if err == nil {
			t.Fatalf("%s: success against a 502", op.ID)
		}
		if got := errors.Is(err, api.ErrOutcomeUnknown); got != !op.Idempotent {
			t.Errorf("%s (idempotent: %v): errors.Is(err, ErrOutcomeUnknown) = %v: %v", op.ID, op.Idempotent, got, err)
		}
		kinds[op.Idempotent]++
	}
	if kinds[true] == 0 || kinds[false] == 0 {
		t.Errorf("the spec has %d idempotent and %d other operations; this test needs both", kinds[true], kinds[false])
	}
}

// MaxDelay 0 means no cap, for Retry-After too: a long Retry-After is waited for, not a reason
// to give up.
func TestRetryAfterWithoutMaxDelayIsHonoured(t *testing.T) {
	p := api.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second}
	for _, after := range []time.Duration{time.Second, 90 * time.Second, 5 * time.Hour} {
		d, ok := api.Delay(p, 1, &api.ResponseError{Op: "x", StatusCode: 429, RetryAfter: after})
		if !ok || d != after {
			t.Errorf("Retry-After %v with MaxDelay 0: delay = %v, %v; want %v, true", after, d, ok, after)
		}
	}
	p.MaxDelay = time.Minute
	if d, ok := api.Delay(p, 1, &api.ResponseError{Op: "x", StatusCode: 429, RetryAfter: 90 * time.Second}); ok {
		t.Errorf("Retry-After 90s with MaxDelay 1m: delay = %v, true; want to give up", d)
	}
}

// No wait exceeds MaxDelay, however many attempts came before: the cap applies after the
// doubling and bounds the jittered value too.
func TestBackoffNeverExceedsMaxDelay(t *testing.T) {
	p := api.RetryPolicy{MaxAttempts: 50, BaseDelay: 300 * time.Millisecond, MaxDelay: 2 * time.Second}
	var longest time.Duration
	for attempt := 1; attempt < 50; attempt++ {
		for range 50 {
			d, ok := api.Delay(p, attempt, errors.New("x"))
			if !ok || d > p.MaxDelay {
				t.Fatalf("attempt %d: delay = %v, %v; want at most MaxDelay %v", attempt, d, ok, p.MaxDelay)
			}
			longest = max(longest, d)
		}
	}
	if longest < p.MaxDelay/2 {
		t.Errorf("the longest wait was %v; with the cap reached, waits are drawn from [%v, %v]", longest, p.MaxDelay/2, p.MaxDelay)
	}
}

// NoRetries means one attempt, also for code 100: the client does not send a second request
// with a fresh token.
func TestNoRetriesAlsoForTheTokenRefresh(t *testing.T) {
	srv := newFake()
	t.Cleanup(srv.Close)
	signer, err := auth.NewSigner(srv.Credentials())
	if err != nil {
		t.Fatal(err)
	}
	cache, err := auth.NewCachingSource(signer) // can invalidate: the refresh would be possible
	if err != nil {
		t.Fatal(err)
	}
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(cache), api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	srv.Enqueue(apitest.Error(100, "Authorization failed"))
	err = c.UpdateSIPRegistration(context.Background(), one)
	if !errors.Is(err, api.CodeAuthorizationFailed) || len(srv.Requests()) != 1 {
		t.Errorf("err = %v after %d requests; want code 100 after exactly 1", err, len(srv.Requests()))
	}
}
