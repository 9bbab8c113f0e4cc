// Package testutil holds helpers shared by the module's tests. It is imported only from _test.go
// files.
package testutil

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"go.uber.org/goleak"

	"github.com/voxsip/voxsip"
)

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

// RSAKey returns a 2048-bit RSA key generated once per test binary (generating one takes a good
// part of a second).
func RSAKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return key
}

// MainNoLeaks runs the tests, then fails the package if any goroutine outlives them, once idle
// keep-alive connections (which are not leaks) are closed. Call it from TestMain.
func MainNoLeaks(m *testing.M) {
	code := m.Run()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if err := goleak.Find(); err != nil {
		fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

// WaitLimit bounds every wait in the module's tests, so that a deadlock fails with a message
// saying what never came instead of hanging until go test's -timeout. Nothing a test waits for
// takes anywhere near this long; no test relies on anything happening within a short time.
const WaitLimit = 10 * time.Second

// Recv returns the next value from ch, failing the test if none arrives within WaitLimit. Call
// it from the test's own goroutine.
func Recv[T any](tb testing.TB, ch <-chan T, what string) T {
	tb.Helper()
	timer := time.NewTimer(WaitLimit)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		tb.Fatalf("waited %s for %s", WaitLimit, what)
		panic("unreachable")
	}
}

// LoadSpec loads the module's openapi.yaml.
func LoadSpec(tb testing.TB) *openapi3.T {
	tb.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(voxsip.OpenAPISpec)
	if err != nil {
		tb.Fatalf("openapi.yaml does not load: %v", err)
	}
	return doc
}
