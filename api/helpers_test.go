package api_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"net"
	"net/http"
	"os"
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

// sleeps records the retry waits a client asked for, instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(d time.Duration, done <-chan struct{}) bool {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	select {
	case <-done:
		return false
	default:
		return true
	}
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// setup starts a fake API and a client pointed at it whose retry waits are recorded, not slept.
func setup(t *testing.T, opts ...api.Option) (*api.Client, *apitest.Server, *sleeps) {
	t.Helper()
	return setupWith(t, nil, opts...)
}

// setupWith is setup with options for the fake.
func setupWith(t *testing.T, srvOpts []apitest.Option, opts ...api.Option) (*api.Client, *apitest.Server, *sleeps) {
	t.Helper()
	srv := newFake(srvOpts...)
	t.Cleanup(srv.Close)
	c, err := api.NewClient(append([]api.Option{api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials())}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	s := &sleeps{}
	api.SetTimeForTest(c, nil, s.sleep)
	return c, srv, s
}

// lastRequest returns the last request the fake accepted.
func lastRequest(t *testing.T, srv *apitest.Server) apitest.Request {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("the fake accepted no request")
	}
	return reqs[len(reqs)-1]
}

// testKey returns the RSA key shared by the package's tests.
func testKey(t testing.TB) *rsa.PrivateKey { return testutil.RSAKey(t) }

// testCreds returns credentials with the package's test key.
func testCreds(t testing.TB) *auth.Credentials {
	t.Helper()
	srv := apitest.NewServer(apitest.WithKey(testKey(t)))
	srv.Close()
	return srv.Credentials()
}

// writeTemp writes data to a new temporary file and returns its path (for examples, which have
// no *testing.T to clean up after them: they remove the file themselves).
func writeTemp(data []byte) string {
	f, err := os.CreateTemp("", "credentials-*.json")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		panic(err)
	}
	return f.Name()
}

// awaitDone blocks until ctx is done and returns its error; after testutil.WaitLimit it gives up with an
// error that says what it waited for. For goroutines that cannot fail the test themselves.
func awaitDone(ctx context.Context, what string) error {
	timer := time.NewTimer(testutil.WaitLimit)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return errors.New("test: waited " + testutil.WaitLimit.String() + " for " + what)
	}
}

// signal sends on ch without blocking (ch should be buffered): for callbacks that must not
// hang when nobody listens any more.
func signal(ch chan<- struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// expiringCtx is a context whose deadline passes when the test calls expire, not on a timer:
// from then on Err is context.DeadlineExceeded. It reports no deadline, so the client does not
// plan its retries around one.
type expiringCtx struct {
	context.Context // Background, for Value
	done            chan struct{}
	once            sync.Once
}

func newExpiringCtx() *expiringCtx {
	return &expiringCtx{Context: context.Background(), done: make(chan struct{})}
}

func (c *expiringCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *expiringCtx) Done() <-chan struct{}       { return c.done }
func (c *expiringCtx) expire()                     { c.once.Do(func() { close(c.done) }) }

func (c *expiringCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// rtFunc is an http.RoundTripper made of a function.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// attemptTimeout is what net/http reports when http.Client.Timeout fires, while awaiting headers
// or while reading the body: a net.Error whose Timeout is true and that matches
// context.DeadlineExceeded (net/http's own timeoutError does both). Injected, it stands for a
// timeout without any timer.
type attemptTimeout struct{ while string }

func (e attemptTimeout) Error() string {
	return "net/http: request canceled (Client.Timeout exceeded " + e.while + ")"
}
func (attemptTimeout) Timeout() bool        { return true }
func (attemptTimeout) Temporary() bool      { return true }
func (attemptTimeout) Is(target error) bool { return target == context.DeadlineExceeded }

// dialFailing returns a transport whose every dial fails with err (wrapped in a *net.OpError as
// net.Dialer does), counting the dials: refused connections and DNS failures without a closed
// port that another test may reuse, or a real resolver.
func dialFailing(err error, dials *atomic.Int64) *http.Transport {
	return &http.Transport{DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}}
}

// refused is the error of a dial to a port nobody listens on.
var refused = os.NewSyscallError("connect", syscall.ECONNREFUSED)

// seededIDs are the registrations every test fake starts with, so that tests can update, bind
// and delete them without creating them first.
var seededIDs = []int64{1, 3, 7, 1234567}

// newFake starts a fake API that knows the registrations seededIDs.
func newFake(opts ...apitest.Option) *apitest.Server {
	return apitest.NewServer(append([]apitest.Option{apitest.WithRegistrationIDs(seededIDs...)}, opts...)...)
}
