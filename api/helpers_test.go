package api_test

import (
	"crypto/rsa"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/voxsip/voxsip"
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
	srv := apitest.NewServer()
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

// loadSpec loads openapi.yaml as the fake does.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(voxsip.OpenAPISpec)
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	return doc
}
