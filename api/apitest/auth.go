package apitest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/claims"
)

// authorize verifies the call's bearer token (code 100 when it is refused).
func (s *Server) authorize(c *call) *failure {
	header := c.input.Request.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || raw == "" {
		return apiFailure(generated.ErrorCodeAuthorizationFailed, "Authorization failed: no bearer token in the Authorization header")
	}
	if err := s.verify(raw, c); err != nil {
		return apiFailure(generated.ErrorCodeAuthorizationFailed, "Authorization failed: "+err.Error())
	}
	return nil
}

// verify checks the token's signature, key id and claims, and keeps them in c.
func (s *Server) verify(raw string, c *call) error {
	tok, err := jwt.ParseWithClaims(raw, &c.claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid != s.keyID {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		c.kid = kid
		return &s.key.PublicKey, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithTimeFunc(s.now),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
	)
	if err != nil {
		return fmt.Errorf("token rejected: %w", err)
	}
	cl := tok.Claims.(*claims.Claims)
	iss := int64(cl.Issuer)
	switch {
	case cl.IssuedAt == nil:
		return errors.New("token has no iat")
	case iss != s.accountID && !s.children[iss]:
		return fmt.Errorf("token iss %d is not this account (%d) or one of its children", iss, s.accountID)
	case cl.ExpiresAt.Sub(cl.IssuedAt.Time) > claims.MaxLifetimeSeconds*time.Second:
		return fmt.Errorf("token lifetime %s exceeds %ds", cl.ExpiresAt.Sub(cl.IssuedAt.Time), claims.MaxLifetimeSeconds)
	}
	return nil
}

// normalizeAuthorization returns the Authorization header with the scheme spelled "Bearer"
// (RFC 9110: the scheme name is case-insensitive), or the header unchanged.
func normalizeAuthorization(h string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		return "Bearer " + strings.TrimSpace(token)
	}
	return h
}
