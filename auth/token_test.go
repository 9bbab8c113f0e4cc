package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/testutil"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newClock(t time.Time) *fakeClock { c := &fakeClock{}; c.Set(t); return c }
func (c *fakeClock) Now() time.Time   { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Set(t time.Time)  { c.ns.Store(t.UnixNano()) }
func (c *fakeClock) Advance(d time.Duration) {
	c.ns.Add(int64(d))
}

func testCreds(t testing.TB) *auth.Credentials {
	t.Helper()
	c, err := auth.ParseCredentials(credsJSON(t, 4242, testKeyID, pkcs8PEM(t, key(t))))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// parse verifies tok with the test key and returns its header and claims.
func parse(t *testing.T, tok auth.Token, now time.Time) (map[string]any, jwt.MapClaims) {
	t.Helper()
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok.Value(), claims, func(*jwt.Token) (any, error) { return &key(t).PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithIssuedAt())
	if err != nil {
		t.Fatalf("token does not verify with the public key: %v", err)
	}
	return parsed.Header, claims
}

func TestSignerMintsWhatVoximplantExpects(t *testing.T) {
	clock := newClock(t0)
	tests := []struct {
		name     string
		opts     []auth.Option
		wantIss  float64
		lifetime time.Duration
	}{
		{"defaults", nil, 4242, time.Hour},
		{"short lifetime", []auth.Option{auth.WithLifetime(10 * time.Minute)}, 4242, 10 * time.Minute},
		{"child account", []auth.Option{auth.WithAccountID(99)}, 99, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := auth.NewSigner(testCreds(t), append(tt.opts, auth.WithClock(clock.Now))...)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := s.Token(hangCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			header, claims := parse(t, tok, t0)
			if header["alg"] != "RS256" || header["kid"] != testKeyID || header["typ"] != "JWT" {
				t.Errorf("header = %v, want alg RS256, kid %s, typ JWT", header, testKeyID)
			}
			iat := t0.Add(-auth.Backdate).Unix()
			want := map[string]float64{"iss": tt.wantIss, "iat": float64(iat), "exp": float64(iat + int64(tt.lifetime/time.Second))}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			if len(claims) != 3 {
				t.Errorf("claims = %v, want exactly iss, iat, exp", claims)
			}
			if !tok.Expiry().Equal(time.Unix(int64(want["exp"]), 0)) {
				t.Errorf("Expiry() = %v, want the exp claim %v", tok.Expiry(), want["exp"])
			}
		})
	}
}

func TestOptionsRejectBadValues(t *testing.T) {
	c := testCreds(t)
	for name, opt := range map[string]auth.Option{
		"lifetime over an hour": auth.WithLifetime(time.Hour + time.Second),
		"lifetime zero":         auth.WithLifetime(0),
		"account id zero":       auth.WithAccountID(0),
		"nil clock":             auth.WithClock(nil),
		"negative margin":       auth.WithRefreshMargin(-time.Second),
	} {
		if _, err := auth.NewTokenSource(c, opt); err == nil {
			t.Errorf("%s: NewTokenSource accepted it", name)
		}
	}
	if _, err := auth.NewSigner(nil); err == nil {
		t.Error("NewSigner(nil) succeeded")
	}
	if _, err := auth.NewCachingSource(nil); err == nil {
		t.Error("NewCachingSource(nil) succeeded")
	}
}

// WithLifetime accepts (Backdate, MaxLifetime]: the hour the API allows is the default and must
// pass, and a lifetime no longer than the backdating would mint tokens expired on arrival.
func TestWithLifetimeBoundaries(t *testing.T) {
	creds := testCreds(t)
	tests := []struct {
		name   string
		d      time.Duration
		accept bool
	}{
		{"negative", -time.Hour, false},
		{"zero", 0, false},
		{"Backdate", auth.Backdate, false},
		{"Backdate+1ns", auth.Backdate + 1, true},
		{"10 minutes", 10 * time.Minute, true},
		{"DefaultLifetime", auth.DefaultLifetime, true},
		{"MaxLifetime", auth.MaxLifetime, true},
		{"MaxLifetime+1ns", auth.MaxLifetime + 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := auth.NewSigner(creds, auth.WithLifetime(tt.d), auth.WithClock(newClock(t0).Now))
			if !tt.accept {
				if err == nil {
					t.Fatalf("WithLifetime(%s) accepted, want it refused", tt.d)
				}
				if !strings.Contains(err.Error(), "out of range") {
					t.Errorf("error %q does not say the lifetime is out of range", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("WithLifetime(%s) refused: %v", tt.d, err)
			}
			tok, err := s.Token(hangCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			// Verified as of iat: a lifetime just over Backdate is gone again by t0.
			_, claims := parse(t, tok, t0.Add(-auth.Backdate))
			if got, want := claims["exp"].(float64)-claims["iat"].(float64), float64(tt.d/time.Second); got != want {
				t.Errorf("exp - iat = %vs, want %vs", got, want)
			}
		})
	}
}

// countingSource mints tokens valid for lifetime from the clock and counts calls.
type countingSource struct {
	clock    *fakeClock
	lifetime time.Duration
	calls    atomic.Int64
	fail     atomic.Bool
	entered  chan struct{} // if set, receives once per call before release is read
	release  chan struct{}
}

// Token runs in the cache's goroutines, where a test cannot fail: a wait that times out makes
// it return an error, which the test then reports as a wrong result.
func (s *countingSource) Token(ctx context.Context) (auth.Token, error) {
	n := s.calls.Add(1)
	if s.entered != nil {
		timer := time.NewTimer(hangTimeout)
		defer timer.Stop()
		select {
		case s.entered <- struct{}{}:
		case <-ctx.Done():
			return auth.Token{}, ctx.Err()
		case <-timer.C:
			return auth.Token{}, fmt.Errorf("test source: call %d: nobody took the entered signal in %s", n, hangTimeout)
		}
		select {
		case <-s.release:
		case <-ctx.Done():
			return auth.Token{}, ctx.Err()
		case <-timer.C:
			return auth.Token{}, fmt.Errorf("test source: call %d: not released in %s", n, hangTimeout)
		}
	}
	if s.fail.Load() {
		return auth.Token{}, errors.New("minting failed")
	}
	return auth.NewToken(fmt.Sprintf("jwt-%d", n), s.clock.Now().Add(s.lifetime)), nil
}

func TestCachingSourceReusesThenRefreshes(t *testing.T) {
	clock := newClock(t0)
	src := &countingSource{clock: clock, lifetime: time.Hour}
	cache, err := auth.NewCachingSource(src, auth.WithClock(clock.Now), auth.WithRefreshMargin(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	ctx := hangCtx(t)
	get := func() string {
		t.Helper()
		tok, err := cache.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Value()
	}

	for range 1000 {
		if got := get(); got != "jwt-1" {
			t.Fatalf("got %s, want the cached jwt-1", got)
		}
	}
	clock.Advance(57*time.Minute + 59*time.Second) // just before the refresh point
	if got := get(); got != "jwt-1" || src.calls.Load() != 1 {
		t.Fatalf("before refresh: got %s after %d mints, want jwt-1 after 1", got, src.calls.Load())
	}
	clock.Advance(2 * time.Second) // inside the margin
	if got := get(); got != "jwt-2" {
		t.Fatalf("inside the margin: got %s, want a fresh jwt-2", got)
	}

	// A failing refresh keeps serving the still-valid token, and the error surfaces once it expired.
	src.fail.Store(true)
	clock.Advance(58*time.Minute + 30*time.Second)
	if got := get(); got != "jwt-2" {
		t.Fatalf("failed refresh: got %s, want the still-valid jwt-2", got)
	}
	clock.Advance(2 * time.Minute)
	if _, err := cache.Token(ctx); err == nil || !strings.Contains(err.Error(), "minting failed") {
		t.Fatalf("expired and refresh failing: err = %v, want the source's error", err)
	}
	src.fail.Store(false)
	if got := get(); !strings.HasPrefix(got, "jwt-") || got == "jwt-2" {
		t.Fatalf("recovered: got %s, want a new token", got)
	}
}

func TestCachingSourceInvalidate(t *testing.T) {
	clock := newClock(t0)
	src := &countingSource{clock: clock, lifetime: time.Hour}
	cache, _ := auth.NewCachingSource(src, auth.WithClock(clock.Now))
	ctx := hangCtx(t)
	first, _ := cache.Token(ctx)
	cache.Invalidate(first)
	cache.Invalidate(first) // a second caller refused with the same token: no second mint
	second, _ := cache.Token(ctx)
	if second.Value() != "jwt-2" {
		t.Fatalf("after Invalidate got %s, want jwt-2", second.Value())
	}
	cache.Invalidate(first) // stale: must not drop jwt-2
	if third, _ := cache.Token(ctx); third.Value() != "jwt-2" || src.calls.Load() != 2 {
		t.Fatalf("stale Invalidate: got %s after %d mints, want jwt-2 after 2", third.Value(), src.calls.Load())
	}
	if again, _ := auth.NewCachingSource(cache); again != cache {
		t.Error("wrapping a CachingSource did not return it unchanged")
	}
}

// The API client knows which token a request carried only from its Authorization header, so it
// invalidates with a new Token holding that value: Invalidate compares values, not Tokens.
func TestCachingSourceInvalidateByValue(t *testing.T) {
	clock := newClock(t0)
	src := &countingSource{clock: clock, lifetime: time.Hour}
	cache, _ := auth.NewCachingSource(src, auth.WithClock(clock.Now))
	ctx := hangCtx(t)
	get := func() string {
		t.Helper()
		tok, err := cache.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Value()
	}
	fromHeader := func(jwt string) auth.Token { return auth.NewToken(jwt, time.Time{}) }

	if got := get(); got != "jwt-1" {
		t.Fatalf("first token %s, want jwt-1", got)
	}
	cache.Invalidate(fromHeader("jwt-someone-else")) // a different value: nothing dropped
	cache.Invalidate(auth.Token{})
	if got := get(); got != "jwt-1" || src.calls.Load() != 1 {
		t.Fatalf("Invalidate with another value: got %s after %d mints, want jwt-1 after 1", got, src.calls.Load())
	}
	cache.Invalidate(fromHeader("jwt-1")) // the same value in a different Token: dropped
	if got := get(); got != "jwt-2" {
		t.Fatalf("Invalidate with the cached value: got %s, want a new jwt-2", got)
	}
	cache.Invalidate(fromHeader("jwt-1")) // stale: must not drop jwt-2
	if got := get(); got != "jwt-2" || src.calls.Load() != 2 {
		t.Fatalf("stale Invalidate by value: got %s after %d mints, want jwt-2 after 2", got, src.calls.Load())
	}
}

// 50 callers refused with the same token invalidate it by value at once, under -race: the
// first drops it, the rest find it already replaced, and one new token is minted for all.
func TestCachingSourceConcurrentInvalidateByValue(t *testing.T) {
	clock := newClock(t0)
	src := &countingSource{clock: clock, lifetime: time.Hour}
	cache, _ := auth.NewCachingSource(src, auth.WithClock(clock.Now))
	ctx := hangCtx(t)
	first, err := cache.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			cache.Invalidate(auth.NewToken(first.Value(), time.Time{}))
			if tok, err := cache.Token(ctx); err != nil || tok.Value() != "jwt-2" {
				t.Errorf("after Invalidate got %q, %v; want jwt-2", tok.Value(), err)
			}
		})
	}
	wait(t, &wg, "50 callers to invalidate and get a token")
	if n := src.calls.Load(); n != 2 {
		t.Errorf("%d mints, want 2 (the first token and one replacement)", n)
	}
}

// While one caller refreshes, others keep the still-valid token instead of waiting.
func TestCachingSourceRefreshDoesNotBlockOthers(t *testing.T) {
	clock := newClock(t0)
	src := &countingSource{clock: clock, lifetime: time.Hour}
	cache, _ := auth.NewCachingSource(src, auth.WithClock(clock.Now))
	ctx := hangCtx(t)
	if _, err := cache.Token(ctx); err != nil {
		t.Fatal(err)
	}
	src.entered, src.release = make(chan struct{}), make(chan struct{})
	clock.Advance(59 * time.Minute)

	done := make(chan auth.Token, 1)
	go func() {
		tok, _ := cache.Token(ctx)
		done <- tok
	}()
	testutil.Recv(t, src.entered, "the refresh to call the source") // now in flight, holding no lock
	for range 10 {
		if tok, err := cache.Token(ctx); err != nil || tok.Value() != "jwt-1" {
			t.Fatalf("during refresh: got %v, %v; want jwt-1 at once", tok.Value(), err)
		}
	}
	close(src.release)
	if tok := testutil.Recv(t, done, "the refreshing caller's token"); tok.Value() != "jwt-2" {
		t.Fatalf("refresher got %s, want jwt-2", tok.Value())
	}
}

// When no valid token is left, callers wait for the one fetch, or for their own context.
func TestCachingSourceWaitersShareOneFetch(t *testing.T) {
	clock := newClock(t0)
	src := &countingSource{clock: clock, lifetime: time.Hour, entered: make(chan struct{}, 1), release: make(chan struct{})}
	cache, _ := auth.NewCachingSource(src, auth.WithClock(clock.Now))

	ctx := hangCtx(t)
	var wg sync.WaitGroup
	results := make(chan string, 5)
	for range 5 {
		wg.Go(func() {
			tok, err := cache.Token(ctx)
			if err != nil {
				results <- "error: " + err.Error()
				return
			}
			results <- tok.Value()
		})
	}
	testutil.Recv(t, src.entered, "the shared fetch to call the source")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := cache.Token(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled waiter: err = %v, want context.Canceled", err)
	}
	close(src.release)
	wait(t, &wg, "the 5 waiters to get the shared token")
	close(results)
	for got := range results {
		if got != "jwt-1" {
			t.Errorf("waiter got %s, want jwt-1", got)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

// 100 goroutines across a refresh, under -race: every token they get is valid at that moment,
// and the source mints once per lifetime.
func TestCachingSourceConcurrentAcrossRefresh(t *testing.T) {
	clock := newClock(t0)
	signer, err := auth.NewSigner(testCreds(t), auth.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	var mints atomic.Int64
	counted := sourceFunc(func(ctx context.Context) (auth.Token, error) {
		mints.Add(1)
		return signer.Token(ctx)
	})
	cache, _ := auth.NewCachingSource(counted, auth.WithClock(clock.Now))

	ctx := hangCtx(t)
	var wg sync.WaitGroup
	var bad atomic.Int64
	for g := range 100 {
		wg.Go(func() {
			for i := range 50 {
				if g == 0 && i == 25 {
					clock.Advance(59 * time.Minute) // into the refresh window
				}
				tok, err := cache.Token(ctx)
				if err != nil || !clock.Now().Before(tok.Expiry()) {
					bad.Add(1)
				}
			}
		})
	}
	wait(t, &wg, "100 goroutines to get their 50 tokens each")
	if bad.Load() != 0 {
		t.Errorf("%d calls got an error or an expired token", bad.Load())
	}
	if n := mints.Load(); n != 2 {
		t.Errorf("%d mints, want 2 (the first token and one refresh)", n)
	}
}

type sourceFunc func(context.Context) (auth.Token, error)

func (f sourceFunc) Token(ctx context.Context) (auth.Token, error) { return f(ctx) }

func TestRequestEditorSetsBearer(t *testing.T) {
	src, err := auth.NewTokenSource(testCreds(t), auth.WithClock(newClock(t0).Now))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "https://example.invalid/", nil)
	ctx := hangCtx(t)
	if err := auth.RequestEditor(src)(ctx, req); err != nil {
		t.Fatal(err)
	}
	tok, _ := src.Token(ctx)
	if got, want := req.Header.Get("Authorization"), "Bearer "+tok.Value(); got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}

	failing := sourceFunc(func(context.Context) (auth.Token, error) { return auth.Token{}, errors.New("no key") })
	if err := auth.RequestEditor(failing)(ctx, req); err == nil || !strings.Contains(err.Error(), "no key") {
		t.Errorf("failing source: err = %v", err)
	}
	empty := sourceFunc(func(context.Context) (auth.Token, error) { return auth.Token{}, nil })
	if err := auth.RequestEditor(empty)(ctx, req); err == nil {
		t.Error("empty token: no error")
	}
	auth.SetAuthorization(req, auth.Token{})
	if req.Header.Get("Authorization") != "" {
		t.Error("SetAuthorization with the zero token left the header")
	}
}

func TestTokenPrintsNoValue(t *testing.T) {
	tok := auth.NewToken("header.claims.SIGNATURE", t0)
	type holder struct {
		T     auth.Token
		inner auth.Token
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%t", "%p"} {
		for _, v := range []any{tok, &tok, holder{tok, tok}, []auth.Token{tok}, map[string]auth.Token{"k": tok}} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, "SIGNATURE") || strings.Contains(out, "claims") {
				t.Errorf("%s of %T prints the token: %s", verb, v, out)
			}
		}
	}
	if tok.Value() != "header.claims.SIGNATURE" || !tok.Expiry().Equal(t0) {
		t.Errorf("Value/Expiry = %q/%v", tok.Value(), tok.Expiry())
	}
	var zero auth.Token
	if !zero.IsZero() || zero.Value() != "" || !zero.Expiry().IsZero() {
		t.Error("zero Token is not empty")
	}
}

// RequestEditor plugs into the generated client as it is.
var _ generated.RequestEditorFn = auth.RequestEditor(nil)
