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

	"go.uber.org/goleak"
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
