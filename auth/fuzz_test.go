package auth_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/auth"
)

// FuzzParseCredentials: any input either parses into usable credentials or fails with an error
// that quotes nothing of the private_key field.
func FuzzParseCredentials(f *testing.F) {
	k := key(f)
	good := credsJSON(f, 123, testKeyID, pkcs8PEM(f, k))
	f.Add(good)
	f.Add(credsJSON(f, "9", "k", pkcs1PEM(f, k)))
	f.Add([]byte(`{"result":` + string(good) + `}`))
	f.Add(credsJSON(f, 1, "k", strings.ReplaceAll(pkcs8PEM(f, k), "\n", `\n`)))
	f.Add([]byte(`{"account_id": 1, "key_id": "k", "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}`))
	f.Add([]byte(`{"private_key": "secret-material\q"}`))
	f.Add([]byte(`{"result": null}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := auth.ParseCredentials(data)
		if err == nil {
			if c.AccountID <= 0 || c.KeyID == "" || c.PublicKey() == nil {
				t.Fatalf("accepted unusable credentials: %v", c)
			}
			return
		}
		var f struct {
			PrivateKey string `json:"private_key"`
		}
		json.Unmarshal(data, &f)
		msg := fmt.Sprintf("%v %+v", err, err)
		for _, w := range base64Windows(f.PrivateKey, 24) {
			if strings.Contains(msg, w) {
				t.Fatalf("error quotes the private key (%q): %s", w, msg)
			}
		}
	})
}

// base64Windows returns every n-character window of the runs of base64 characters in s: key
// material looks like that, and no fixed text of the package's errors does.
func base64Windows(s string, n int) []string {
	var out []string
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			run++
			if run >= n {
				out = append(out, s[i-n+1:i+1])
			}
		} else {
			run = 0
		}
	}
	return out
}
