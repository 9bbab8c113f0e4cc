package auth

import (
	"context"
	"fmt"
	"time"
)

// Token is a signed Voximplant JWT and its expiry. It is an immutable value, cheap to copy and
// safe for concurrent use. Its value is a bearer credential: String, GoString and every fmt verb
// print the expiry only, never the value.
type Token struct {
	// header is "Bearer <jwt>", built once so that each request reuses it. It sits behind a
	// *string because fmt prints a nested *string as an address whatever the verb, even when
	// the Token is an unexported field of a struct being printed.
	header *string
	expiry time.Time
}

const bearerPrefix = "Bearer "

// NewToken wraps a compact JWT and its expiry, for a [TokenSource] written outside this package,
// or to name a token seen only in a request's Authorization header to [CachingSource.Invalidate],
// which compares values alone (the expiry may then be zero).
func NewToken(jwt string, expiry time.Time) Token {
	h := bearerPrefix + jwt
	return Token{header: &h, expiry: expiry}
}

// Value returns the compact JWT (header.claims.signature). Treat it as a secret.
func (t Token) Value() string {
	if t.header == nil {
		return ""
	}
	return (*t.header)[len(bearerPrefix):]
}

// Expiry returns when the token stops being accepted (its exp claim).
func (t Token) Expiry() time.Time { return t.expiry }

// IsZero reports whether t is the zero Token, which holds no JWT.
func (t Token) IsZero() bool { return t.header == nil }

// String describes the token without its value.
func (t Token) String() string {
	if t.header == nil {
		return "auth.Token(none)"
	}
	return fmt.Sprintf("auth.Token{***, expires %s}", t.expiry.UTC().Format(time.RFC3339))
}

// GoString is String, so that %#v prints no secret either.
func (t Token) GoString() string { return t.String() }

// authorization returns the Authorization header value.
func (t Token) authorization() string { return *t.header }

// TokenSource supplies tokens. Implementations must be safe for concurrent use. The returned
// Token must not be modified.
type TokenSource interface {
	Token(ctx context.Context) (Token, error)
}

// Clock returns the current time. Options take one so that tests can move time by hand.
type Clock func() time.Time

// Option configures [NewSigner], [NewCachingSource] and [NewTokenSource].
type Option func(*config) error

type config struct {
	lifetime  time.Duration
	accountID int64 // 0: the credentials' own account
	now       Clock
	margin    time.Duration
}

// Defaults of the options.
const (
	// DefaultLifetime is the lifetime of minted tokens: the longest the API accepts, so that a
	// busy client signs once an hour.
	DefaultLifetime = time.Hour
	// MaxLifetime is the longest lifetime the Management API accepts (exp - iat).
	MaxLifetime = time.Hour
	// DefaultRefreshMargin is how long before expiry a cached token is replaced.
	DefaultRefreshMargin = 2 * time.Minute
	// Backdate is how far iat is set before the current time, against clock skew: the API
	// rejects a token "used before issued".
	Backdate = 5 * time.Second
)

func newConfig(opts []Option) (config, error) {
	c := config{lifetime: DefaultLifetime, now: time.Now, margin: DefaultRefreshMargin}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return config{}, err
		}
	}
	return c, nil
}

// WithLifetime sets how long minted tokens are valid (exp - iat): more than a Backdate and at
// most [MaxLifetime]. Applies to signers.
func WithLifetime(d time.Duration) Option {
	return func(c *config) error {
		if d <= Backdate || d > MaxLifetime {
			return fmt.Errorf("voxsip: token lifetime %s out of range (%s, %s]", d, Backdate, MaxLifetime)
		}
		c.lifetime = d
		return nil
	}
}

// WithAccountID makes minted tokens act for another account (the iss claim): a parent account's
// key may act on its child accounts. Applies to signers.
func WithAccountID(id int64) Option {
	return func(c *config) error {
		if id <= 0 {
			return fmt.Errorf("voxsip: account id %d is not positive", id)
		}
		c.accountID = id
		return nil
	}
}

// WithClock replaces time.Now, for tests. Applies to signers (iat, exp) and caches (expiry).
func WithClock(now Clock) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("voxsip: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithRefreshMargin sets how long before its expiry a cached token is replaced; the cache uses
// at most a quarter of the token's remaining lifetime when it was obtained. Applies to caches.
func WithRefreshMargin(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("voxsip: negative refresh margin %s", d)
		}
		c.margin = d
		return nil
	}
}

// NewTokenSource returns the default token source for creds: a [Signer] behind a
// [CachingSource], so that a busy client signs about once per token lifetime.
func NewTokenSource(creds *Credentials, opts ...Option) (*CachingSource, error) {
	signer, err := NewSigner(creds, opts...)
	if err != nil {
		return nil, err
	}
	return NewCachingSource(signer, opts...)
}
