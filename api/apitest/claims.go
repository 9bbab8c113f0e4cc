package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/golang-jwt/jwt/v5"
)

// tokenClaims are the claims of a Voximplant token as the fake accepts them: iss as a number
// (most official clients) or as a string of digits (the Java client).
type tokenClaims struct {
	Issuer    issuer           `json:"iss"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
}

type issuer int64

func (i issuer) int64() int64 { return int64(i) }

// UnmarshalJSON accepts 123 and "123".
func (i *issuer) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || s == "" || s[0] == '+' || s[0] == '-' {
			return fmt.Errorf("iss %q is not an account id", s)
		}
		*i = issuer(n)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("iss %s is not an account id", b)
	}
	*i = issuer(n)
	return nil
}

func (c *tokenClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c *tokenClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c *tokenClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c *tokenClaims) GetIssuer() (string, error)                   { return strconv.FormatInt(int64(c.Issuer), 10), nil }
func (c *tokenClaims) GetSubject() (string, error)                  { return "", nil }
func (c *tokenClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }
