package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip/internal/claims"
)

// Signer is a [TokenSource] that mints a new RS256 JWT on every call: header kid = key id,
// claims iss = account id, iat = now - [Backdate], exp = iat + lifetime. Signing costs about a
// millisecond and a half, so use it behind a [CachingSource] ([NewTokenSource] does). A Signer
// is safe for concurrent use; it never prints its key.
type Signer struct {
	creds *Credentials
	iss   int64
	cfg   config
}

// NewSigner returns a Signer for creds. It accepts [WithLifetime], [WithAccountID] and
// [WithClock]; other options are ignored.
func NewSigner(creds *Credentials, opts ...Option) (*Signer, error) {
	if creds == nil || creds.key == nil {
		return nil, errors.New("voxsip: no credentials (load them with LoadCredentials or ParseCredentials)")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	iss := creds.AccountID
	if cfg.accountID != 0 {
		iss = cfg.accountID
	}
	return &Signer{creds: creds, iss: iss, cfg: cfg}, nil
}

// Token mints and signs a new token. It fails only when ctx is already done or signing fails.
func (s *Signer) Token(ctx context.Context) (Token, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	iat := s.cfg.now().Add(-Backdate)
	exp := iat.Add(s.cfg.lifetime)
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, &claims.Claims{
		Issuer:    claims.AccountID(s.iss),
		IssuedAt:  jwt.NewNumericDate(iat),
		ExpiresAt: jwt.NewNumericDate(exp),
	})
	t.Header["kid"] = s.creds.KeyID
	signed, err := t.SignedString(s.creds.key)
	if err != nil {
		return Token{}, fmt.Errorf("voxsip: signing token: %w", err)
	}
	// NumericDate truncates to whole seconds; report the expiry the server will see.
	return NewToken(signed, jwt.NewNumericDate(exp).Time), nil
}

// String describes the signer without its key.
func (s *Signer) String() string {
	return fmt.Sprintf("auth.Signer{iss: %d, kid: %q, lifetime: %s}", s.iss, s.creds.KeyID, s.cfg.lifetime)
}

// GoString is String.
func (s *Signer) GoString() string { return s.String() }
