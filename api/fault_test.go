package api_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/internal/testutil"
)

var one = &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1}

// update runs one call with the default retry policy against a fresh fake that first gives the
// replies, and returns the number of requests the fake accepted, the waits asked and the error.
func update(t *testing.T, replies ...apitest.Reply) (int, []time.Duration, error) {
	t.Helper()
	c, srv, s := setup(t)
	srv.Enqueue(replies...)
	err := c.UpdateSIPRegistration(context.Background(), one)
	return len(srv.Requests()), s.got(), err
}

// counted is a client against a fake whose clock (shared with the client's tokens) the test moves
// by hand, with the signatures counted and the retry waits recorded.
type counted struct {
	c      *api.Client
	srv    *apitest.Server
	mints  *atomic.Int64
	sleeps *sleeps
	nowNS  *atomic.Int64
}

func newCounted(t *testing.T) counted {
	t.Helper()
	x := counted{mints: &atomic.Int64{}, sleeps: &sleeps{}, nowNS: &atomic.Int64{}}
	x.nowNS.Store(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).UnixNano())
	now := func() time.Time { return time.Unix(0, x.nowNS.Load()) }
	x.srv = newFake(apitest.WithClock(now), apitest.WithLogSize(10000))
	t.Cleanup(x.srv.Close)
	signer, err := auth.NewSigner(x.srv.Credentials(), auth.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := auth.NewCachingSource(sourceFunc(func(ctx context.Context) (auth.Token, error) {
		x.mints.Add(1)
		return signer.Token(ctx)
	}), auth.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	if x.c, err = api.NewClient(api.WithBaseURL(x.srv.URL), api.WithTokenSource(cache)); err != nil {
		t.Fatal(err)
	}
	api.SetTimeForTest(x.c, nil, x.sleeps.sleep)
	t.Cleanup(x.c.CloseIdleConnections)
	return x
}

func (x counted) advance(d time.Duration) { x.nowNS.Add(int64(d)) }

func wantAttempts(t *testing.T, err error, n int) {
	t.Helper()
	var ae *api.AttemptsError
	switch {
	case n == 1 && errors.As(err, &ae):
		t.Errorf("one attempt, but the error says %d: %v", ae.Attempts, err)
	case n > 1 && (!errors.As(err, &ae) || ae.Attempts != n):
		t.Errorf("err = %v, want an AttemptsError after %d attempts", err, n)
	case n > 1 && !strings.HasPrefix(err.Error(), "voxsip: giving up after "):
		t.Errorf("err = %q does not say it gave up", err)
	}
}

func TestFault_APIErrorCodes(t *testing.T) {
	t.Run("100_authorization_failed_retries_once_with_a_fresh_token_then_succeeds", func(t *testing.T) {
		x := newCounted(t)
		x.srv.Enqueue(apitest.Error(100, "Authorization failed"))
		if err := x.c.UpdateSIPRegistration(context.Background(), one); err != nil {
			t.Fatalf("err = %v, want success after a fresh token", err)
		}
		if n, m := len(x.srv.Requests()), x.mints.Load(); n != 2 || m != 2 || len(x.sleeps.got()) != 0 {
			t.Errorf("%d requests, %d mints, waits %v; want 2, 2 and no wait", n, m, x.sleeps.got())
		}

		x.srv.Enqueue(apitest.Error(100, "Authorization failed"), apitest.Error(100, "Authorization failed"))
		err := x.c.UpdateSIPRegistration(context.Background(), one)
		if !errors.Is(err, api.CodeAuthorizationFailed) {
			t.Fatalf("err = %v, want code 100", err)
		}
		wantAttempts(t, err, 2)
	})
	t.Run("100_with_a_source_that_cannot_invalidate_fails_at_once", func(t *testing.T) {
		srv := newFake()
		defer srv.Close()
		signer, _ := auth.NewSigner(srv.Credentials())
		c, _ := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(signer))
		srv.Enqueue(apitest.Error(100, "Authorization failed"))
		err := c.UpdateSIPRegistration(context.Background(), one)
		if !errors.Is(err, api.CodeAuthorizationFailed) || len(srv.Requests()) != 1 {
			t.Errorf("err = %v after %d requests, want code 100 after 1", err, len(srv.Requests()))
		}
	})
	t.Run("101_invalid_arguments_is_not_retried", func(t *testing.T) {
		n, waits, err := update(t, apitest.Error(101, "Invalid arguments"))
		if !errors.Is(err, api.CodeInvalidArguments) || n != 1 || len(waits) != 0 {
			t.Errorf("err = %v, %d requests, waits %v; want code 101 after 1 request", err, n, waits)
		}
		wantAttempts(t, err, 1)
	})
	for _, code := range []int{162, 314, 340, 416} {
		t.Run(api.ErrorCode(code).Error()+"_is_retried_with_backoff_then_succeeds", func(t *testing.T) {
			n, waits, err := update(t, apitest.Error(code, "later"), apitest.Error(code, "later"))
			if err != nil || n != 3 || len(waits) != 2 {
				t.Fatalf("err = %v, %d requests, waits %v; want success on the 3rd", err, n, waits)
			}
			if waits[0] < 125*time.Millisecond || waits[0] > 250*time.Millisecond || waits[1] < 250*time.Millisecond || waits[1] > 500*time.Millisecond {
				t.Errorf("waits %v, want about 250ms then 500ms, with jitter", waits)
			}
		})
	}
	t.Run("340_three_times_gives_up_after_3_attempts", func(t *testing.T) {
		e := apitest.Error(340, "Rate limit exceeded")
		n, _, err := update(t, e, e, e, e)
		if !errors.Is(err, api.CodeRateLimitExceeded) || n != 3 {
			t.Errorf("err = %v after %d requests, want code 340 after 3", err, n)
		}
		wantAttempts(t, err, 3)
	})
}

func TestFault_HTTPStatuses(t *testing.T) {
	html := http.Header{"Content-Type": []string{"text/html"}}
	t.Run("429_Retry-After_seconds_waits_that_long_then_succeeds", func(t *testing.T) {
		n, waits, err := update(t, apitest.Status(429, http.Header{"Retry-After": []string{"3"}}, ""))
		if err != nil || n != 2 || len(waits) != 1 || waits[0] != 3*time.Second {
			t.Errorf("err = %v, %d requests, waits %v; want success after waiting 3s", err, n, waits)
		}
	})
	t.Run("429_Retry-After_date_waits_until_then_then_succeeds", func(t *testing.T) {
		c, srv, s := setup(t)
		now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		api.SetTimeForTest(c, func() time.Time { return now }, nil)
		srv.Enqueue(apitest.Status(429, http.Header{"Retry-After": []string{now.Add(7 * time.Second).Format(http.TimeFormat)}}, ""))
		if err := c.UpdateSIPRegistration(context.Background(), one); err != nil || len(s.got()) != 1 || s.got()[0] != 7*time.Second {
			t.Errorf("err = %v, waits %v; want success after waiting 7s", err, s.got())
		}
	})
	t.Run("429_Retry-After_garbage_falls_back_to_backoff_then_succeeds", func(t *testing.T) {
		n, waits, err := update(t, apitest.Status(429, http.Header{"Retry-After": []string{"soon-ish"}}, ""))
		if err != nil || n != 2 || len(waits) != 1 || waits[0] > 250*time.Millisecond {
			t.Errorf("err = %v, %d requests, waits %v; want success after the base backoff", err, n, waits)
		}
	})
	t.Run("429_Retry-After_beyond_MaxDelay_gives_up_without_waiting", func(t *testing.T) {
		n, waits, err := update(t, apitest.Status(429, http.Header{"Retry-After": []string{"120"}}, ""))
		var re *api.ResponseError
		if !errors.As(err, &re) || re.StatusCode != 429 || re.RetryAfter != 2*time.Minute || n != 1 || len(waits) != 0 {
			t.Errorf("err = %v, %d requests, waits %v; want the 429 at once", err, n, waits)
		}
	})
	t.Run("429_Retry-After_past_the_context_deadline_gives_up_without_waiting", func(t *testing.T) {
		c, srv, s := setup(t)
		srv.Enqueue(apitest.Status(429, http.Header{"Retry-After": []string{"10"}}, ""))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := c.UpdateSIPRegistration(ctx, one)
		if err == nil || !strings.Contains(err.Error(), "no time left to retry") || len(s.got()) != 0 {
			t.Errorf("err = %v, waits %v; want a give-up before the deadline", err, s.got())
		}
	})
	t.Run("503_HTML_then_success_succeeds", func(t *testing.T) {
		n, waits, err := update(t, apitest.Status(503, html, "<html><body>Service Unavailable</body></html>"))
		if err != nil || n != 2 || len(waits) != 1 {
			t.Errorf("err = %v, %d requests, waits %v; want success on the 2nd", err, n, waits)
		}
	})
	for _, status := range []int{500, 502, 504, 599} {
		t.Run(http.StatusText(status)+"_is_retried", func(t *testing.T) {
			if n, _, err := update(t, apitest.Status(status, html, "<html>gateway</html>")); err != nil || n != 2 {
				t.Errorf("err = %v, %d requests; want success on the 2nd", err, n)
			}
		})
	}
	for _, status := range []int{400, 401, 404, 501} {
		t.Run(http.StatusText(status)+"_is_not_retried", func(t *testing.T) {
			n, _, err := update(t, apitest.Status(status, html, "<html>no</html>"))
			var re *api.ResponseError
			if !errors.As(err, &re) || re.StatusCode != status || n != 1 {
				t.Errorf("err = %v after %d requests, want the %d at once", err, n, status)
			}
		})
	}
}

func TestFault_Bodies(t *testing.T) {
	json := http.Header{"Content-Type": []string{"application/json"}}
	for name, body := range map[string]string{
		"truncated_JSON_fails_not_valid_JSON": `{"result":`,
		"empty_body_fails_empty_body":         ``,
		"null_fails_no_result":                `null`,
		"array_fails_not_the_JSON_object":     `[]`,
		"result_2_fails_result_is_2":          `{"result":2}`,
		// An error member the envelope cannot hold is not a success beside result 1.
		"error_string_fails_not_the_JSON_object":    `{"result":1,"error":"Invalid token"}`,
		"error_array_fails_not_the_JSON_object":     `{"result":1,"error":[{"code":100}]}`,
		"errors_object_fails_not_the_JSON_object":   `{"result":1,"errors":{"code":100}}`,
		"error_code_text_fails_not_the_JSON_object": `{"result":1,"error":{"code":"100"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			n, _, err := update(t, apitest.Status(200, json, body))
			var re *api.ResponseError
			if !errors.As(err, &re) || n != 1 {
				t.Fatalf("err = %v after %d requests, want a ResponseError at once", err, n)
			}
			want := strings.ReplaceAll(strings.SplitN(name, "_fails_", 2)[1], "_", " ")
			if !strings.Contains(re.Reason, want) {
				t.Errorf("reason %q, want it to say %q", re.Reason, want)
			}
		})
	}

	t.Run("10_MiB_body_fails_over_the_cap_and_closes_the_connection", func(t *testing.T) {
		srv := newFake()
		defer srv.Close()
		var dials atomic.Int64
		transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
		defer transport.CloseIdleConnections()
		c, _ := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()),
			api.WithHTTPClient(&http.Client{Transport: transport}))
		srv.Enqueue(apitest.Status(200, json, `{"result":1,"pad":"`+strings.Repeat("x", 10<<20)+`"}`))
		err := c.UpdateSIPRegistration(context.Background(), one)
		var re *api.ResponseError
		if !errors.As(err, &re) || !strings.Contains(re.Reason, "larger than 1048576 bytes") || len(re.Body) > 210 {
			t.Fatalf("err = %v, want a ResponseError about the size with a short snippet", err)
		}
		if err := c.UpdateSIPRegistration(context.Background(), one); err != nil {
			t.Fatal(err)
		}
		if err := c.UpdateSIPRegistration(context.Background(), one); err != nil {
			t.Fatal(err)
		}
		if d := dials.Load(); d != 2 {
			t.Errorf("%d dials for 3 calls, want 2: the oversized response's connection closed, the next one reused", d)
		}
	})
}

func TestFault_Network(t *testing.T) {
	t.Run("headers_that_never_come_fail_at_the_context_deadline", func(t *testing.T) {
		arrived := make(chan struct{}, 1)
		var accepted atomic.Int64 // counted here: the fake records a request after this callback
		c, srv, s := setupWith(t, []apitest.Option{apitest.OnRequest(func(apitest.Request) { accepted.Add(1); signal(arrived) })})
		srv.Enqueue(apitest.Hang())
		ctx := newExpiringCtx()
		errc := make(chan error, 1)
		go func() { errc <- c.UpdateSIPRegistration(ctx, one) }()
		testutil.Recv(t, arrived, "the request to reach the fake")
		ctx.expire()
		err := testutil.Recv(t, errc, "the call to end at its deadline")
		if !errors.Is(err, context.DeadlineExceeded) || len(s.got()) != 0 || accepted.Load() != 1 {
			t.Errorf("err = %v, waits %v, %d requests; want context.DeadlineExceeded, no retry", err, s.got(), accepted.Load())
		}
	})
	t.Run("headers_that_never_come_hit_the_HTTP_client_timeout_and_are_retried", func(t *testing.T) {
		// The first round trip fails as http.Client.Timeout makes it fail; the second goes through.
		var trips atomic.Int64
		base := http.DefaultTransport.(*http.Transport).Clone()
		t.Cleanup(base.CloseIdleConnections)
		rt := rtFunc(func(r *http.Request) (*http.Response, error) {
			if trips.Add(1) == 1 {
				return nil, attemptTimeout{"while awaiting headers"}
			}
			return base.RoundTrip(r)
		})
		c, srv, s := setup(t, api.WithHTTPClient(&http.Client{Transport: rt}))
		err := c.UpdateSIPRegistration(context.Background(), one)
		if err != nil || trips.Load() != 2 || len(srv.Requests()) != 1 || len(s.got()) != 1 {
			t.Errorf("err = %v, %d round trips, waits %v; want success on the 2nd", err, trips.Load(), s.got())
		}
	})
	t.Run("body_that_trickles_past_the_deadline_fails_with_DeadlineExceeded_and_is_not_retried", func(t *testing.T) {
		// Headers and the first bytes come at once; the rest of the body never does: the read
		// blocks until the call's context is done, as a real connection's would.
		var trips atomic.Int64
		reading := make(chan struct{}, 1)
		rt := rtFunc(func(r *http.Request) (*http.Response, error) {
			trips.Add(1)
			return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r,
				Body: io.NopCloser(io.MultiReader(strings.NewReader(`{"res`), readerFunc(func([]byte) (int, error) {
					signal(reading)
					return 0, awaitDone(r.Context(), "the call's context to end")
				})))}, nil
		})
		c, _, s := setup(t, api.WithHTTPClient(&http.Client{Transport: rt}))
		ctx := newExpiringCtx()
		errc := make(chan error, 1)
		go func() { errc <- c.UpdateSIPRegistration(ctx, one) }()
		testutil.Recv(t, reading, "the client to read the body")
		ctx.expire()
		err := testutil.Recv(t, errc, "the call to end at its deadline")
		if !errors.Is(err, context.DeadlineExceeded) || trips.Load() != 1 || len(s.got()) != 0 {
			t.Errorf("err = %v, %d round trips, waits %v; want context.DeadlineExceeded after one attempt", err, trips.Load(), s.got())
		}
	})
	t.Run("connection_reset_before_the_response_is_retried_then_succeeds", func(t *testing.T) {
		n, waits, err := update(t, apitest.Reset())
		if err != nil || n != 2 || len(waits) != 1 {
			t.Errorf("err = %v, %d requests, waits %v; want success on the 2nd", err, n, waits)
		}
	})
	t.Run("connection_reset_with_retries_off_fails_with_ECONNRESET_or_EOF", func(t *testing.T) {
		c, srv, _ := setup(t, api.WithRetryPolicy(api.NoRetries()))
		srv.Enqueue(apitest.Reset())
		err := c.UpdateSIPRegistration(context.Background(), one)
		if !api.IsRetryable(err) || !(errors.Is(err, syscall.ECONNRESET) || strings.Contains(err.Error(), "EOF")) {
			t.Errorf("err = %v, want a (retryable) reset", err)
		}
	})
	t.Run("connection_refused_gives_up_after_3_attempts", func(t *testing.T) {
		var dials atomic.Int64
		c, srv, s := setup(t, api.WithHTTPClient(&http.Client{Transport: dialFailing(refused, &dials)}))
		err := c.UpdateSIPRegistration(context.Background(), one)
		if !errors.Is(err, syscall.ECONNREFUSED) || len(s.got()) != 2 || dials.Load() != 3 || len(srv.Requests()) != 0 {
			t.Errorf("err = %v, waits %v, %d dials; want ECONNREFUSED after 3 attempts", err, s.got(), dials.Load())
		}
		wantAttempts(t, err, 3)
	})
	t.Run("307_to_another_host_is_refused_and_the_other_host_gets_nothing", func(t *testing.T) {
		var hit atomic.Bool
		other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit.Store(true) }))
		defer other.Close()
		n, _, err := update(t, apitest.Redirect(307, other.URL+"/steal?password=hunter2&x=1"))
		var re *api.RedirectError
		if !errors.As(err, &re) || re.StatusCode != 307 || n != 1 {
			t.Fatalf("err = %v after %d requests, want a RedirectError at once", err, n)
		}
		if !strings.Contains(re.Location, other.URL+"/steal?password=***&x=1") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Location %q: want the target with the password masked", re.Location)
		}
		if hit.Load() {
			t.Error("the client followed the redirect")
		}
	})
	t.Run("TLS_certificate_error_is_not_retried", func(t *testing.T) {
		var hits atomic.Int64
		tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
		tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failure is the point
		tlsSrv.StartTLS()
		defer tlsSrv.Close()
		c, s := clientFor(t, tlsSrv.URL)
		err := c.UpdateSIPRegistration(context.Background(), one)
		var certErr *tls.CertificateVerificationError
		if !errors.As(err, &certErr) || len(s.got()) != 0 || hits.Load() != 0 {
			t.Errorf("err = %v, waits %v; want a certificate error at once", err, s.got())
		}
	})
	t.Run("context_already_done_sends_nothing", func(t *testing.T) {
		c, srv, _ := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := c.UpdateSIPRegistration(ctx, one)
		if !errors.Is(err, context.Canceled) || len(srv.Requests()) != 0 {
			t.Errorf("err = %v, %d requests; want context.Canceled and nothing sent", err, len(srv.Requests()))
		}
	})
	t.Run("cancel_while_waiting_to_retry_returns_Canceled_and_the_last_error", func(t *testing.T) {
		c, srv, _ := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		api.SetTimeForTest(c, nil, func(d time.Duration, done <-chan struct{}) bool {
			cancel()
			testutil.Recv(t, done, "the context to be done after cancel")
			return false
		})
		srv.Enqueue(apitest.Error(340, "Rate limit exceeded"))
		err := c.UpdateSIPRegistration(ctx, one)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, api.CodeRateLimitExceeded) || len(srv.Requests()) != 1 {
			t.Errorf("err = %v, want Canceled wrapping code 340, after 1 request", err)
		}
	})
}

// clientFor returns a client with recorded waits for an arbitrary base URL.
func clientFor(t *testing.T, base string) (*api.Client, *sleeps) {
	t.Helper()
	c, err := api.NewClient(api.WithBaseURL(base), api.WithCredentials(testCreds(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	api.SetTimeForTest(c, nil, s.sleep)
	return c, s
}

// 100 goroutines share one client while tokens expire: the clock jumps 25 minutes between
// rounds, so tokens go through the refresh window and past expiry, with every call succeeding.
func TestFault_100_goroutines_share_one_client_while_tokens_expire_all_succeed(t *testing.T) {
	x := newCounted(t)
	var failed atomic.Int64
	for range 6 { // t = 0, 25, 50, 75, 100, 125 minutes
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				for range 3 {
					if err := x.c.UpdateSIPRegistration(context.Background(), one); err != nil {
						failed.Add(1)
						t.Log(err)
					}
				}
			})
		}
		wg.Wait()
		x.advance(25 * time.Minute)
	}
	if failed.Load() != 0 || len(x.srv.Requests()) != 1800 {
		t.Errorf("%d calls failed, %d accepted; want all 1800 to succeed", failed.Load(), len(x.srv.Requests()))
	}
	if m := x.mints.Load(); m != 2 {
		t.Errorf("%d mints, want 2: one token at 0, a new one when it expired by 75", m)
	}
}

// readerFunc is an io.Reader made of a function.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

type sourceFunc func(context.Context) (auth.Token, error)

func (f sourceFunc) Token(ctx context.Context) (auth.Token, error) { return f(ctx) }

// An hour of continuous calls on a fake clock costs one signature per token lifetime plus at
// most one refresh; calls between refreshes sign nothing.
func TestSimulatedHourSignsOncePerLifetime(t *testing.T) {
	x := newCounted(t)
	for second := range 3600 {
		if second%5 == 0 { // a call every 5 simulated seconds: 720 calls
			if err := x.c.UpdateSIPRegistration(context.Background(), one); err != nil {
				t.Fatalf("at %ds: %v", second, err)
			}
		}
		x.advance(time.Second)
	}
	// The first token (exp = start + 59m55s) is refreshed 2 minutes early; its successor lasts
	// past the hour.
	if m := x.mints.Load(); m != 2 {
		t.Errorf("%d signatures in a simulated hour, want 2 (one per lifetime plus one refresh)", m)
	}
}
