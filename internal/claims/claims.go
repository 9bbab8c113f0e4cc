// Package claims defines the JWT claims of a Voximplant service-account token, shared by the
// minting side (package auth) and the verifying side (package apitest).
package claims

import (
	"strconv"

	"github.com/golang-jwt/jwt/v5"
)

// MaxLifetimeSeconds is the longest exp - iat the Management API accepts.
const MaxLifetimeSeconds = 3600

// Claims are the claims Voximplant expects: iss is the numeric account id (not a string, as
// jwt.RegisteredClaims would encode it), iat and exp are seconds since the epoch.
type Claims struct {
	Issuer    int64            `json:"iss"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
}

// GetExpirationTime implements jwt.Claims.
func (c *Claims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }

// GetIssuedAt implements jwt.Claims.
func (c *Claims) GetIssuedAt() (*jwt.NumericDate, error) { return c.IssuedAt, nil }

// GetNotBefore implements jwt.Claims; Voximplant tokens carry no nbf.
func (c *Claims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }

// GetIssuer implements jwt.Claims.
func (c *Claims) GetIssuer() (string, error) { return strconv.FormatInt(c.Issuer, 10), nil }

// GetSubject implements jwt.Claims; Voximplant tokens carry no sub.
func (c *Claims) GetSubject() (string, error) { return "", nil }

// GetAudience implements jwt.Claims; Voximplant tokens carry no aud.
func (c *Claims) GetAudience() (jwt.ClaimStrings, error) { return nil, nil }
