package apitest_test

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip/api/apitest"
)

// signed mints a token with the server's key, the claims given and extra header fields.
func signed(t *testing.T, srv *apitest.Server, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	var creds struct {
		KeyID      string `json:"key_id"`
		PrivateKey string `json:"private_key"`
	}
	if err := json.Unmarshal(srv.CredentialsJSON(), &creds); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(creds.PrivateKey))
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = creds.KeyID
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Tokens the service would refuse get code 100; a well-formed one passes.
func TestTokensAreCheckedStrictly(t *testing.T) {
	clock := &fixedClock{t: epoch}
	srv := start(t, apitest.WithRegistrationIDs(1), apitest.WithClock(clock.now))
	now := clock.t.Unix()
	good := jwt.MapClaims{"iss": srv.AccountID(), "iat": now - 5, "exp": now + 60}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range good {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	for _, tc := range []struct {
		name   string
		claims jwt.MapClaims
		header map[string]any
		msg    string // "" for accepted
	}{
		{"well formed", good, nil, ""},
		{"nbf in the past", with("nbf", now-5), nil, ""},
		{"nbf in the future", with("nbf", now+30), nil, "not valid yet"},
		{"exp a string of digits", with("exp", "1900000000"), nil, "not a number"},
		{"exp text", with("exp", "soon"), nil, "token rejected"},
		{"iat a string", with("iat", "1"), nil, "not a number"},
		{"unknown crit header", good, map[string]any{"crit": []string{"exp-ext"}}, "crit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			call := rawCall{path: apitest.BasePath + "/GetSipRegistrations", auth: "Bearer " + signed(t, srv, tc.claims, tc.header)}
			_, _, body := call.do(t, srv)
			code, msg := apiErr(body)
			switch {
			case tc.msg == "" && code != 0:
				t.Errorf("refused: %d %s", code, msg)
			case tc.msg != "" && (code != 100 || !strings.Contains(msg, tc.msg)):
				t.Errorf("%s; want code 100 saying %q", body, tc.msg)
			}
		})
	}
}
