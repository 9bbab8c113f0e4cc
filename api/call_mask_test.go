package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/testutil"
)

// secretOps calls fn for every operation of the spec with a secret parameter, with valid
// parameters and that parameter's name.
func secretOps(t *testing.T, fn func(t *testing.T, op *params.Op, secret string)) {
	n := 0
	for _, op := range params.All() {
		for _, f := range op.Fields {
			if f.Secret {
				n++
				t.Run(op.ID+"/"+f.Name, func(t *testing.T) { fn(t, op, f.Name) })
			}
		}
	}
	if n == 0 {
		t.Fatal("the spec has no secret parameter")
	}
}

// echoServer answers every request with body(the secret parameter's value, the bearer token).
func echoServer(t *testing.T, secret string, body func(value, token string) string) *api.Client {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body(r.URL.Query().Get(secret), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")))
	}))
	t.Cleanup(hs.Close)
	c, err := api.NewClient(api.WithBaseURL(hs.URL), api.WithCredentials(testCreds(t)), api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func callWith(t *testing.T, c *api.Client, op *params.Op, secret, value string) (json.RawMessage, error) {
	p := testutil.ValidParams(op)
	if err := p.SetParam(secret, value); err != nil {
		t.Fatal(err)
	}
	return c.Call(context.Background(), p)
}

// The body Call returns masks the secret parameter's value and the token (whole, escaped, as a
// key, as a number, by part) and stays valid JSON, with the other numbers as they were.
func TestCallMasksTheBodyItReturns(t *testing.T) {
	secretOps(t, func(t *testing.T, op *params.Op, secret string) {
		for _, pw := range []string{"S3cr3t-Pw/Zqx9 ü", "98765432109"} {
			c := echoServer(t, secret, func(v, tok string) string {
				parts := strings.Split(tok, ".")
				b, _ := json.Marshal(map[string]any{"result": 1, "echo": "you sent " + v, "escaped": url.QueryEscape(v),
					v: "as a key", "auth": "Bearer " + tok, "sig": parts[2], "id": 12345})
				if v[0] == '9' { // a password that is a number, echoed as one
					return strings.TrimSuffix(string(b), "}") + `,"n":` + v + `}`
				}
				return string(b)
			})
			body, err := callWith(t, c, op, secret, pw)
			if err != nil {
				t.Fatalf("password %q: %v", pw, err)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("password %q: the body is not JSON: %v: %s", pw, err, body)
			}
			want := map[string]any{"result": 1.0, "echo": "you sent ***", "escaped": "***", "***": "as a key",
				"auth": "Bearer ***", "sig": "***", "id": 12345.0}
			if pw[0] == '9' {
				want["n"] = "***"
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("password %q: body %s\nwant %v", pw, body, want)
			}
		}
	})
}

// A body with nothing to mask comes back byte for byte; one that shows a piece of a secret does
// not come back at all, and the error says the operation succeeded.
func TestCallWithholdsABodyWithAPieceOfASecret(t *testing.T) {
	secretOps(t, func(t *testing.T, op *params.Op, secret string) {
		const sent = `{ "result" : [1, 2.50, true, null, "x\u00e9"], "n" : 1e3 }`
		c := echoServer(t, secret, func(string, string) string { return sent })
		if body, err := callWith(t, c, op, secret, "S3cr3t-Pw-Zqx9"); err != nil || string(body) != sent {
			t.Errorf("nothing to mask: %s, %v; want the body as sent", body, err)
		}
		c = echoServer(t, secret, func(v, _ string) string { return fmt.Sprintf(`{"result":1,"echo":%q}`, v[:10]) })
		body, err := callWith(t, c, op, secret, "S3cr3t-Pw-Zqx9")
		if !errors.Is(err, api.ErrBodyWithheld) || body != nil || strings.Contains(err.Error(), "S3cr3t") ||
			!strings.Contains(err.Error(), op.ID+" succeeded") || strings.Contains(err.Error(), "\n") {
			t.Errorf("a piece echoed: body %s, err %v; want no body and ErrBodyWithheld saying %s succeeded", body, err, op.ID)
		}
	})
}

// A number is masked only when it is a secret whole: a numeric password's digits inside ids (and
// other numbers) leave them numbers, and never make the body withheld; the same digits inside a
// string are masked as in errors.
func TestCallKeepsNumbersThatHoldANumericPassword(t *testing.T) {
	secretOps(t, func(t *testing.T, op *params.Op, secret string) {
		for _, c := range []struct{ pw, body, want string }{
			{"7", `{"result":1,"sip_registration_id":17,"ids":[7,70,707,-7.5,7e7],"pw":7}`,
				`{"result":1,"sip_registration_id":17,"ids":["***",70,707,-7.5,7e7],"pw":"***"}`},
			{"551", `{"result":5512345678,"ids":[1551,55100,551.5],"echo":551}`,
				`{"result":5512345678,"ids":[1551,55100,551.5],"echo":"***"}`},
			{"9876543210", `{"result":{"id":98765432101,"ids":[19876543210,9876543210]},"s":"id 9876543210"}`,
				`{"result":{"id":98765432101,"ids":[19876543210,"***"]},"s":"id ***"}`},
			{"9876543210", `{"result":1,"cut":98765432,"more":1987654321}`,
				`{"result":1,"cut":98765432,"more":1987654321}`}, // pieces of the password, as numbers
		} {
			srv := echoServer(t, secret, func(string, string) string { return c.body })
			body, err := callWith(t, srv, op, secret, c.pw)
			if err != nil || string(body) != c.want {
				t.Errorf("password %s, body %s:\n got %s, %v\nwant %s", c.pw, c.body, body, err, c.want)
			}
		}
	})
}

// A secret that spans tokens (a password holding `","`, echoed unescaped, splits into strings
// that do not show it one by one) withholds the body; so does one spread over array items. The
// structure between tokens and the literals true, false and null never withhold a body on their
// own: a password "e" masks the "e" of strings and keys (a short password is masked wherever
// it appears), not of true and false.
func TestCallWithholdsASecretAcrossTokens(t *testing.T) {
	secretOps(t, func(t *testing.T, op *params.Op, secret string) {
		for _, c := range []struct{ pw, format string }{
			{`Ab1","k":"Zq9#Lm`, `{"result":1,"e":"%s"}`},
			{`Qx7","Zr8","Wp9`, `{"result":1,"e":["%s"]}`},
		} {
			srv := echoServer(t, secret, func(v, _ string) string { return fmt.Sprintf(c.format, v) })
			body, err := callWith(t, srv, op, secret, c.pw)
			if !errors.Is(err, api.ErrBodyWithheld) || body != nil {
				t.Errorf("password %s echoed unescaped: body %s, err %v; want it withheld", c.pw, body, err)
			}
		}
		srv := echoServer(t, secret, func(string, string) string {
			return `{"result":[true,false,null,1e5],"done":true,"key":"value"}`
		})
		body, err := callWith(t, srv, op, secret, "e")
		if err != nil || string(body) != `{"r***sult":[true,false,null,1e5],"don***":true,"k***y":"valu***"}` {
			t.Errorf("password e: body %s, %v; want the strings masked, the literals and numbers kept", body, err)
		}
	})
}
