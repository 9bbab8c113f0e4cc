package apitest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/claims"
)

// authorize verifies the call's bearer token (code 100 when it is refused), then that the
// key's roles allow the operation (code 104, see WithRole).
func (s *Server) authorize(c *call) *failure {
	header := normalizeAuthorization(c.r.Header.Get("Authorization"))
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || raw == "" {
		return apiFailure(generated.ErrorCodeAuthorizationFailed, "Authorization failed: no bearer token in the Authorization header")
	}
	if err := s.verify(raw, c); err != nil {
		return apiFailure(generated.ErrorCodeAuthorizationFailed, "Authorization failed: "+err.Error())
	}
	if s.roles == nil {
		return nil
	}
	allowed := operationRoles(c.op.ID)
	if !slices.ContainsFunc(s.roles, func(r string) bool { return slices.Contains(allowed, r) }) {
		return apiFailure(generated.ErrorCodeForbiddenCommand, fmt.Sprintf("Forbidden command: %s needs a key with role %s; this key has %s",
			c.op.ID, strings.Join(allowed, ", "), strings.Join(s.roles, ", ")))
	}
	return nil
}

// operationRoles are the roles an operation allows (x-voxsip-roles in openapi.yaml, as
// generated.Operations carries them); none for an operation the table lacks.
func operationRoles(opID string) []string {
	for _, op := range generated.Operations {
		if op.ID == opID {
			return op.Roles
		}
	}
	return nil
}

// tokenClaims are the claims the server reads: Voximplant's, and nbf, which it honours.
type tokenClaims struct {
	claims.Claims
	NotBefore *jwt.NumericDate `json:"nbf,omitempty"`
}

// GetNotBefore implements jwt.Claims.
func (c *tokenClaims) GetNotBefore() (*jwt.NumericDate, error) { return c.NotBefore, nil }

// verify checks the token's signature, key id and claims, and keeps them in c.
func (s *Server) verify(raw string, c *call) error {
	var tc tokenClaims
	_, err := jwt.ParseWithClaims(raw, &tc, func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			return nil, errors.New("the token's crit header names extensions the service does not know")
		}
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
	if err == nil {
		err = numericDates(raw)
	}
	if err != nil {
		return fmt.Errorf("token rejected: %w", err)
	}
	c.claims = tc.Claims
	iss := int64(tc.Issuer)
	switch {
	case tc.IssuedAt == nil:
		return errors.New("token has no iat")
	case iss != s.accountID && !s.children[iss]:
		return fmt.Errorf("token iss %d is not this account (%d) or one of its children", iss, s.accountID)
	case tc.ExpiresAt.Sub(tc.IssuedAt.Time) > claims.MaxLifetimeSeconds*time.Second:
		return fmt.Errorf("token lifetime %s exceeds %ds", tc.ExpiresAt.Sub(tc.IssuedAt.Time), claims.MaxLifetimeSeconds)
	}
	return nil
}

// numericDates refuses a token whose iat, exp or nbf is not a JSON number (RFC 7519's
// NumericDate; a quoted "1700000000" is a string).
func numericDates(raw string) error {
	parts := strings.Split(raw, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1]) // the parser has checked it
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return err
	}
	for _, name := range []string{"iat", "exp", "nbf"} {
		v, ok := fields[name]
		if ok && (len(v) == 0 || bytes.ContainsAny(v[:1], `"tfn[{`)) {
			return fmt.Errorf("%s is %s, not a number of seconds", name, v)
		}
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
