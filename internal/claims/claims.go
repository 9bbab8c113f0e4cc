// Package claims defines the JWT claims of a Voximplant service-account token, shared by the
// minting side (package auth) and the verifying side (package apitest).
package claims

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/golang-jwt/jwt/v5"
)

// MaxLifetimeSeconds is the longest exp - iat the Management API accepts.
const MaxLifetimeSeconds = 3600

// Claims are the claims Voximplant expects: iss is the numeric account id (not a string, as
// jwt.RegisteredClaims would encode it), iat and exp are seconds since the epoch.
type Claims struct {
	Issuer    AccountID        `json:"iss"`
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
func (c *Claims) GetIssuer() (string, error) { return strconv.FormatInt(int64(c.Issuer), 10), nil }

// GetSubject implements jwt.Claims; Voximplant tokens carry no sub.
func (c *Claims) GetSubject() (string, error) { return "", nil }

// GetAudience implements jwt.Claims; Voximplant tokens carry no aud.
func (c *Claims) GetAudience() (jwt.ClaimStrings, error) { return nil, nil }

// AccountID is an account id in a token's iss claim. It is encoded as a JSON number, as most
// official clients send it, and decoded from a number or a string of digits (the Java client
// sends "123").
type AccountID int64

// UnmarshalJSON accepts 123 and "123"; anything else (a sign, a fraction, other text) is an error.
func (a *AccountID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	text := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
	}
	if text == "" || text[0] < '0' || text[0] > '9' {
		return fmt.Errorf("iss %s is not an account id", b)
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return fmt.Errorf("iss %s is not an account id", b)
	}
	*a = AccountID(n)
	return nil
}
