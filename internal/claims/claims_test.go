package claims

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestClaimsEncodeIssAsANumber(t *testing.T) {
	iat := time.Unix(1700000000, 0)
	c := &Claims{Issuer: 42, IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(iat.Add(time.Hour))}
	b, _ := json.Marshal(c)
	if string(b) != `{"iss":42,"iat":1700000000,"exp":1700003600}` {
		t.Errorf("JSON = %s", b)
	}
	iss, _ := c.GetIssuer()
	exp, _ := c.GetExpirationTime()
	nbf, _ := c.GetNotBefore()
	sub, _ := c.GetSubject()
	aud, _ := c.GetAudience()
	got, _ := c.GetIssuedAt()
	if iss != "42" || !exp.Equal(iat.Add(time.Hour)) || !got.Equal(iat) || nbf != nil || sub != "" || aud != nil {
		t.Errorf("getters: %q %v %v %v %q %v", iss, exp, got, nbf, sub, aud)
	}
}

func TestIssAcceptsANumberOrAStringOfDigits(t *testing.T) {
	for in, want := range map[string]int64{`{"iss":42}`: 42, `{"iss":"42"}`: 42, `{"iss": "9007199254740993"}`: 9007199254740993} {
		var c Claims
		if err := json.Unmarshal([]byte(in), &c); err != nil || int64(c.Issuer) != want {
			t.Errorf("%s: iss %d, err %v; want %d", in, c.Issuer, err, want)
		}
	}
	for _, in := range []string{`{"iss":"-1"}`, `{"iss":"+1"}`, `{"iss":"1.5"}`, `{"iss":1.5}`, `{"iss":""}`, `{"iss":"abc"}`, `{"iss":true}`, `{"iss":-1}`} {
		var c Claims
		if err := json.Unmarshal([]byte(in), &c); err == nil {
			t.Errorf("%s accepted as iss %d", in, c.Issuer)
		}
	}
}
