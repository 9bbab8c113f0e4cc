package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy says how often and how patiently a call is retried. Retrying Get, Update, Bind and
// Delete is safe: sending them twice leaves the same state as sending them once. Create is not
// idempotent: whatever the policy, it is retried only when the API provably did nothing (see
// [Client.CreateSIPRegistration]).
type RetryPolicy struct {
	// MaxAttempts is the most attempts per call, the first one included; 1 disables retries.
	MaxAttempts int
	// BaseDelay is the wait before the second attempt; each further wait doubles, with jitter
	// (a random value between half and all of it).
	BaseDelay time.Duration
	// MaxDelay caps every wait; 0 means no cap. A Retry-After longer than MaxDelay ends the
	// retries: the client does not call again earlier than the server asked.
	MaxDelay time.Duration
	// Retryable reports whether an attempt's error is worth another attempt; nil means
	// IsRetryable.
	Retryable func(error) bool
}

// DefaultRetryPolicy makes at most 3 attempts, waiting about 250ms, then 500ms, and honours a
// Retry-After of up to 20s. It returns a new value each time, so nobody can change the default
// by accident.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 3, BaseDelay: 250 * time.Millisecond, MaxDelay: 20 * time.Second}
}

// NoRetries makes exactly one attempt per call.
func NoRetries() RetryPolicy { return RetryPolicy{MaxAttempts: 1} }

// IsRetryable is the default retry test. It retries connection errors (refused, reset, closed
// early, an HTTP/2 stream the server refused or left unprocessed by a GOAWAY), an attempt that timed out (such as http.Client.Timeout, while connecting or while
// reading the body), a DNS failure the resolver calls temporary, HTTP 429 and 5xx except 501,
// and Voximplant codes 162, 314, 340 and 416. It never retries cancellation, a name that does not
// resolve ("no such host": it will not start resolving in a second), TLS and certificate errors,
// refused redirects, other HTTP statuses or other API codes. Whatever it says, the client never
// retries once the call's own context is done, and retries a call that is not idempotent only
// when the API provably did nothing. (Code 100, authorization failed, is handled apart: the
// client retries it once with a fresh token.)
func IsRetryable(err error) bool {
	var (
		apiErr   *Error
		respErr  *ResponseError
		redirErr *RedirectError
	)
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &apiErr):
		return apiErr.Code.Temporary()
	case errors.As(err, &respErr):
		return respErr.Retryable()
	case errors.As(err, &redirErr), isTLSError(err):
		return false
	case refusedByHTTP2(err):
		return true
	}
	// An attempt's own timeout (http.Client.Timeout, while connecting, awaiting headers or
	// reading the body) is a net.Error whose Timeout is true, and matches
	// context.DeadlineExceeded too; only a bare DeadlineExceeded is the call's own deadline.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && ne != context.DeadlineExceeded {
		return true
	}
	// A *url.Error is itself a net.Error: judge what it wraps.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

func isTLSError(err error) bool {
	var (
		recordErr   tls.RecordHeaderError
		verifyErr   *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidErr  x509.CertificateInvalidError
		alertErr    tls.AlertError
	)
	return errors.As(err, &recordErr) || errors.As(err, &verifyErr) || errors.As(err, &unknownAuth) ||
		errors.As(err, &hostErr) || errors.As(err, &invalidErr) || errors.As(err, &alertErr)
}

func (p RetryPolicy) retryable(err error) bool {
	if p.Retryable != nil {
		return p.Retryable(err)
	}
	return IsRetryable(err)
}

// provablyNotActedOn reports whether err shows that the API did not act on the request, so that
// even a call that is not idempotent may be sent again: HTTP 429, the rate-limit and concurrency
// codes 314 and 340, a connection that failed while dialling, before any byte was written, or an
// HTTP/2 stream the server refused (REFUSED_STREAM) or left out of a GOAWAY.
func provablyNotActedOn(err error) bool {
	var (
		apiErr  *Error
		respErr *ResponseError
		opErr   *net.OpError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr.Code == CodeConcurrentLimitExceeded || apiErr.Code == CodeRateLimitExceeded
	case errors.As(err, &respErr):
		return respErr.StatusCode == http.StatusTooManyRequests
	case errors.As(err, &opErr):
		return opErr.Op == "dial"
	}
	return refusedByHTTP2(err)
}

// http2Refusals are how net/http words, inside the *url.Error it returns, the HTTP/2 failures
// that prove the server did not process a request (RFC 9113 §8.7): a stream reset with
// REFUSED_STREAM, and a stream beyond the last one a GOAWAY says the server processed. net/http
// resends such a request itself only if it can replay its body, which the client forbids for
// operations that are not idempotent (see preventReplay), so it hands them back here.
var http2Refusals = []string{
	"; REFUSED_STREAM; received from peer",
	"http2: Transport received Server's graceful shutdown GOAWAY",
}

// refusedByHTTP2 reports whether err is a transport error that proves, by HTTP/2's rules, that
// the server did not process the request.
func refusedByHTTP2(err error) bool {
	var ue *url.Error
	if !errors.As(err, &ue) || ue.Err == nil {
		return false
	}
	msg := ue.Err.Error()
	return slices.ContainsFunc(http2Refusals, func(s string) bool { return strings.Contains(msg, s) })
}

// retryAfterer is an error that carries the server's Retry-After.
type retryAfterer interface{ retryAfter() time.Duration }

// maxBackoff bounds the doubling of BaseDelay when MaxDelay is 0 (no cap), against overflow.
const maxBackoff = 24 * time.Hour

// delay returns the wait after the given failed attempt (1-based), or false when the server asked
// for a longer wait than MaxDelay allows.
func (p RetryPolicy) delay(attempt int, err error) (time.Duration, bool) {
	var ra retryAfterer
	if errors.As(err, &ra) {
		if after := ra.retryAfter(); after > 0 {
			if p.MaxDelay > 0 && after > p.MaxDelay {
				return 0, false
			}
			return after, true
		}
	}
	limit := p.MaxDelay
	if limit <= 0 {
		limit = maxBackoff
	}
	d := p.BaseDelay
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	if d <= 1 {
		return d, true
	}
	half := d / 2
	return half + rand.N(d-half+1), true
}

// maxRetryAfter bounds what parseRetryAfter returns, whatever the header says.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date (relative to now).
// It returns 0 for a missing, malformed or past value, and at most maxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if allDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs >= int64(maxRetryAfter/time.Second) { // too large even for int64: too long
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
