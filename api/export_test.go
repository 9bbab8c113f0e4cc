package api

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"time"
)

// SetTimeForTest replaces the client's clock (for Retry-After dates) and its retry sleep, so
// that tests never wait on the wall clock. sleep reports false when done closed first.
func SetTimeForTest(c *Client, now func() time.Time, sleep func(d time.Duration, done <-chan struct{}) bool) {
	if now != nil {
		c.now = now
	}
	if sleep != nil {
		c.sleep = sleep
	}
}

// ParseRetryAfter exposes parseRetryAfter to the fuzz and table tests.
var ParseRetryAfter = parseRetryAfter

// Delay exposes RetryPolicy.delay: the wait after the given failed attempt, and whether to wait.
func Delay(p RetryPolicy, attempt int, err error) (time.Duration, bool) { return p.delay(attempt, err) }

// SetBaseURLForTest sets the client's base URL unchecked, to test that String redacts what
// WithBaseURL would refuse.
func SetBaseURLForTest(c *Client, base string) { c.base = base }

// SetRootCAsForTest makes the client's own transport trust pool, so that tests reach a TLS
// server through the transport NewClient builds.
func SetRootCAsForTest(c *Client, pool *x509.CertPool) {
	c.http.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
}
