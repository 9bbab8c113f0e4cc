package auth_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/internal/testutil"
)

const testKeyID = "7e3ad6f4-0c6b-4f45-9ad4-3b0e0b5e2d11"

func TestParseCredentialsAcceptsEveryShape(t *testing.T) {
	k := key(t)
	flat8 := credsJSON(t, 123, testKeyID, pkcs8PEM(t, k))
	tests := []struct {
		name string
		data []byte
	}{
		{"flat PKCS#8", flat8},
		{"flat PKCS#1", credsJSON(t, 123, testKeyID, pkcs1PEM(t, k))},
		{"wrapped in result", []byte(`{"result":` + string(flat8) + `}`)},
		{"account id as string", credsJSON(t, "123", testKeyID, pkcs8PEM(t, k))},
		{"PKCS#1 body labelled PRIVATE KEY", credsJSON(t, 123, testKeyID,
			strings.ReplaceAll(pkcs1PEM(t, k), "RSA PRIVATE KEY", "PRIVATE KEY"))},
		{"surrounding whitespace", append(append([]byte("\n  "), flat8...), '\n')},
		{"UTF-8 byte order mark (Notepad)", append([]byte("\xEF\xBB\xBF"), flat8...)},
		{"byte order mark, then whitespace", append([]byte("\xEF\xBB\xBF\r\n"), flat8...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := auth.ParseCredentials(tt.data)
			if err != nil {
				t.Fatalf("ParseCredentials: %v", err)
			}
			if c.AccountID != 123 || c.KeyID != testKeyID || c.AccountEmail != "ops@example.com" {
				t.Errorf("got account %d key %q email %q, want 123 %q ops@example.com", c.AccountID, c.KeyID, c.AccountEmail, testKeyID)
			}
			if !c.PublicKey().Equal(&k.PublicKey) {
				t.Error("PublicKey does not match the key in the file")
			}
		})
	}
}

func TestParseCredentialsErrorsNameTheProblem(t *testing.T) {
	k := key(t)
	good := pkcs8PEM(t, k)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	pubDER, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	encrypted := strings.Replace(pkcs1PEM(t, k), "-----BEGIN RSA PRIVATE KEY-----\n",
		"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\n", 1)
	corrupt := strings.Replace(good, good[40:60], strings.Repeat("A", 20), 1)

	tests := []struct {
		name      string
		data      []byte
		wantField string
		wantText  string
	}{
		{"empty", []byte("  "), "", "empty document"},
		{"not an object", []byte(`["x"]`), "", "not a JSON object"},
		{"syntax error", []byte(`{"private_key": "` + good[30:60] + `\q"}`), "", "syntax error at byte"},
		{"wrong type", []byte(`{"key_id": 5}`), "", "field key_id: got a JSON number"},
		{"missing account_id", credsJSON(t, nil, testKeyID, good), "account_id", "missing"},
		{"account_id not a number", credsJSON(t, "12ab", testKeyID, good), "account_id", "not an integer"},
		{"account_id zero", credsJSON(t, 0, testKeyID, good), "account_id", "positive"},
		{"missing key_id", credsJSON(t, 1, "", good), "key_id", "missing"},
		{"missing private_key", credsJSON(t, 1, testKeyID, ""), "private_key", "missing"},
		{"literal backslash-n", credsJSON(t, 1, testKeyID, strings.ReplaceAll(good, "\n", `\n`)), "private_key", `literal \n`},
		{"not PEM", credsJSON(t, 1, testKeyID, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nAAAA\n"), "private_key", "not PEM-encoded"},
		{"encrypted PKCS#1", credsJSON(t, 1, testKeyID, encrypted), "private_key", "encrypted"},
		{"encrypted PKCS#8", credsJSON(t, 1, testKeyID, strings.ReplaceAll(good, "PRIVATE KEY", "ENCRYPTED PRIVATE KEY")), "private_key", "encrypted"},
		{"EC key, SEC1", credsJSON(t, 1, testKeyID, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}))), "private_key", "EC key"},
		{"EC key, PKCS#8", credsJSON(t, 1, testKeyID, pkcs8PEM(t, ecKey)), "private_key", "ECDSA key"},
		{"Ed25519 key", credsJSON(t, 1, testKeyID, pkcs8PEM(t, edKey)), "private_key", "Ed25519 key"},
		{"public key", credsJSON(t, 1, testKeyID, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))), "private_key", "public key, not a private key"},
		{"corrupt DER", credsJSON(t, 1, testKeyID, corrupt), "private_key", "cannot parse"},
		{"unknown PEM type", credsJSON(t, 1, testKeyID, strings.ReplaceAll(good, "PRIVATE KEY", "OPENSSH PRIVATE KEY")), "private_key", "unsupported PEM block type"},
		{"wrapped, inner broken", []byte(`{"result": {"account_id": 1, "key_id": "k"}}`), "private_key", "missing"},
	}
	secrets := append(keyMaterial(t, k), good[30:60])
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := auth.ParseCredentials(tt.data)
			if err == nil {
				t.Fatalf("ParseCredentials accepted it: %v", c)
			}
			var ce *auth.CredentialsError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not *auth.CredentialsError: %v", err, err)
			}
			if ce.Field != tt.wantField {
				t.Errorf("Field = %q, want %q (error: %v)", ce.Field, tt.wantField, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.wantText) {
				t.Errorf("error %q does not say %q", msg, tt.wantText)
			}
			for _, s := range secrets {
				if strings.Contains(fmt.Sprintf("%v %+v", err, err), s) {
					t.Errorf("error echoes key material: %v", err)
				}
			}
		})
	}
}

func TestLoadCredentialsAndEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials.json")
	if err := os.WriteFile(path, credsJSON(t, 77, testKeyID, pkcs8PEM(t, key(t))), 0o600); err != nil {
		t.Fatal(err)
	}

	c, err := auth.LoadCredentials(path)
	if err != nil || c.AccountID != 77 {
		t.Fatalf("LoadCredentials = %v, %v; want account 77", c, err)
	}
	if _, err := auth.LoadCredentials(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want os.ErrNotExist", err)
	}

	t.Setenv(auth.EnvCredentials, "")
	if _, err := auth.CredentialsFromEnv(); !errors.Is(err, auth.ErrNoCredentialsEnv) {
		t.Errorf("unset env: err = %v, want ErrNoCredentialsEnv", err)
	}
	t.Setenv(auth.EnvCredentials, path)
	if c, err := auth.CredentialsFromEnv(); err != nil || c.AccountID != 77 {
		t.Errorf("CredentialsFromEnv = %v, %v; want account 77", c, err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"account_id": 1}`), 0o600)
	t.Setenv(auth.EnvCredentials, bad)
	_, err = auth.CredentialsFromEnv()
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "key_id") {
		t.Errorf("bad file: err = %v, want one naming the file and key_id", err)
	}
}

func TestCredentialsPrintNoKey(t *testing.T) {
	k := key(t)
	c, err := auth.ParseCredentials(credsJSON(t, 5, testKeyID, pkcs8PEM(t, k)))
	if err != nil {
		t.Fatal(err)
	}
	type wrapper struct {
		C     *auth.Credentials
		inner auth.Credentials
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%t"} {
		for _, v := range []any{c, *c, wrapper{C: c, inner: *c}} {
			out := fmt.Sprintf(verb, v)
			for _, frag := range keyMaterial(t, k) {
				if strings.Contains(out, frag) {
					t.Fatalf("%s of %T prints key material: %s", verb, v, out)
				}
			}
			d := k.D.Bits() // the private exponent, as fmt would show its words
			if strings.Contains(out, k.D.String()[:20]) || strings.Contains(out, fmt.Sprintf("%x", k.D.Bytes()[:8])) ||
				strings.Contains(out, fmt.Sprint(uint(d[0]))) || strings.Contains(out, fmt.Sprintf("%x", uint(d[0]))) {
				t.Fatalf("%s of %T prints the private exponent", verb, v)
			}
		}
	}
	if got := c.String(); !strings.Contains(got, testKeyID) || !strings.Contains(got, "***") {
		t.Errorf("String() = %q, want the key id and a mask", got)
	}
}

// padTo pads a credentials document with trailing whitespace (which JSON ignores) to n bytes.
func padTo(t *testing.T, data []byte, n int) []byte {
	t.Helper()
	if len(data) > n {
		t.Fatalf("document is %d bytes already, cannot pad to %d", len(data), n)
	}
	return append(append([]byte{}, data...), strings.Repeat(" ", n-len(data))...)
}

// wantTooLarge checks that err is the one-line *CredentialsError for input over the size cap.
func wantTooLarge(t *testing.T, err error, source string) {
	t.Helper()
	var ce *auth.CredentialsError
	if !errors.As(err, &ce) {
		t.Errorf("err = %v (%T), want a *auth.CredentialsError", err, err)
		return
	}
	if ce.Source != source || ce.Field != "" {
		t.Errorf("Source, Field = %q, %q; want %q, \"\"", ce.Source, ce.Field, source)
	}
	msg := err.Error()
	if !strings.Contains(msg, "larger than 64 KiB") || !strings.Contains(msg, "is this the right file?") || strings.Contains(msg, "\n") {
		t.Errorf("error %q is not the one-line size message", msg)
	}
}

func TestCredentialsSizeCap(t *testing.T) {
	if auth.MaxCredentialsBytes != 64<<10 {
		t.Fatalf("MaxCredentialsBytes = %d, want 64 KiB", auth.MaxCredentialsBytes)
	}
	good := credsJSON(t, 77, testKeyID, pkcs8PEM(t, key(t)))
	atCap := padTo(t, good, auth.MaxCredentialsBytes)
	overCap := padTo(t, good, auth.MaxCredentialsBytes+1)

	t.Run("ParseCredentials", func(t *testing.T) {
		if _, err := auth.ParseCredentials(atCap); err != nil {
			t.Errorf("exactly MaxCredentialsBytes: %v", err)
		}
		_, err := auth.ParseCredentials(overCap)
		wantTooLarge(t, err, "")
	})

	t.Run("LoadCredentials", func(t *testing.T) {
		dir := t.TempDir()
		for _, tt := range []struct {
			name   string
			data   []byte
			accept bool
		}{
			{"normal.json", good, true},
			{"notepad.json", append([]byte("\xEF\xBB\xBF"), good...), true},
			{"at-cap.json", atCap, true},
			{"over-cap.json", overCap, false},
			{"65KiB.json", padTo(t, good, 65<<10), false},
		} {
			path := filepath.Join(dir, tt.name)
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := auth.LoadCredentials(path)
			switch {
			case tt.accept && (err != nil || c.AccountID != 77):
				t.Errorf("%s: LoadCredentials = %v, %v; want account 77", tt.name, c, err)
			case !tt.accept:
				wantTooLarge(t, err, path)
			}
		}
	})

	// An endless file: the cap, not the end of the file, stops the read.
	t.Run("endless device", func(t *testing.T) {
		const endless = "/dev/zero"
		if fi, err := os.Stat(endless); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			t.Skipf("no %s character device here: %v", endless, err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := auth.LoadCredentials(endless)
			done <- err
		}()
		wantTooLarge(t, testutil.Recv(t, done, "LoadCredentials("+endless+") to return"), endless)
	})
}

func TestLoadCredentialsRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := auth.LoadCredentials(dir)
	var ce *auth.CredentialsError
	if !errors.As(err, &ce) || ce.Source != dir {
		t.Fatalf("err = %v (%T), want a *auth.CredentialsError with Source %q", err, err, dir)
	}
	if msg := err.Error(); !strings.Contains(msg, dir) || !strings.Contains(msg, "is a directory") || strings.Contains(msg, "\n") {
		t.Errorf("error %q: want one line naming %s and saying it is a directory", msg, dir)
	}
}

// A key whose numbers do not fit together (rsa.PrivateKey.Validate fails: the file was damaged
// or edited) is refused as inconsistent, in every encoding, and the error quotes none of it.
func TestParseCredentialsRefusesInconsistentKey(t *testing.T) {
	k := key(t)
	// damaged returns a copy of the shared test key with f applied to its numbers.
	damaged := func(f func(*rsa.PrivateKey)) *rsa.PrivateKey {
		cp := func(n *big.Int) *big.Int { return new(big.Int).Set(n) }
		c := &rsa.PrivateKey{
			PublicKey:   rsa.PublicKey{N: cp(k.N), E: k.E},
			D:           cp(k.D),
			Primes:      []*big.Int{cp(k.Primes[0]), cp(k.Primes[1])},
			Precomputed: rsa.PrecomputedValues{Dp: cp(k.Precomputed.Dp), Dq: cp(k.Precomputed.Dq), Qinv: cp(k.Precomputed.Qinv)},
		}
		f(c)
		if c.Validate() == nil {
			t.Fatal("the damaged key still validates")
		}
		return c
	}
	two := big.NewInt(2)
	keys := map[string]*rsa.PrivateKey{
		"prime changed":            damaged(func(c *rsa.PrivateKey) { c.Primes[0].Add(c.Primes[0], two) }),
		"private exponent changed": damaged(func(c *rsa.PrivateKey) { c.D.Add(c.D, two) }),
		"CRT exponent changed":     damaged(func(c *rsa.PrivateKey) { c.Precomputed.Dp.Add(c.Precomputed.Dp, two) }),
	}
	for name, bad := range keys {
		der1 := x509.MarshalPKCS1PrivateKey(bad) // does not validate; MarshalPKCS8PrivateKey would
		der8, err := asn1.Marshal(struct {
			Version    int
			Algo       pkix.AlgorithmIdentifier
			PrivateKey []byte
		}{0, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, Parameters: asn1.NullRawValue}, der1})
		if err != nil {
			t.Fatal(err)
		}
		for _, enc := range []struct {
			name, pemType string
			der           []byte
		}{
			{"PKCS#1", "RSA PRIVATE KEY", der1},
			{"PKCS#8", "PRIVATE KEY", der8},
			{"PKCS#1 labelled PRIVATE KEY", "PRIVATE KEY", der1},
		} {
			t.Run(name+", "+enc.name, func(t *testing.T) {
				pemText := string(pem.EncodeToMemory(&pem.Block{Type: enc.pemType, Bytes: enc.der}))
				c, err := auth.ParseCredentials(credsJSON(t, 1, testKeyID, pemText))
				if err == nil {
					t.Fatalf("ParseCredentials accepted it: %v", c)
				}
				var ce *auth.CredentialsError
				if !errors.As(err, &ce) || ce.Field != "private_key" || !strings.Contains(ce.Problem, "inconsistent") {
					t.Fatalf("err = %v; want a *auth.CredentialsError for private_key saying it is inconsistent", err)
				}
				out := fmt.Sprintf("%v %+v %#v", err, err, err)
				secrets := base64Windows(pemText, 24)
				for _, n := range []*big.Int{bad.N, bad.D, bad.Primes[0], bad.Primes[1], bad.Precomputed.Dp} {
					secrets = append(secrets, n.String()[:20], fmt.Sprintf("%x", n.Bytes()[:10]))
				}
				for _, s := range secrets {
					if strings.Contains(out, s) {
						t.Fatalf("error quotes key material %q: %s", s, out)
					}
				}
			})
		}
	}
}

// A key whose PEM lines were reordered or cut (a damaged copy and paste) parses as base64 but not
// as a key. x509's message then quotes the ASN.1 parser's view of the bytes (tags, lengths and
// offsets read from the key material); the error names the problem in fixed words instead.
func TestParseCredentialsDamagedKeyQuotesNoStructure(t *testing.T) {
	k := key(t)
	for _, enc := range []struct {
		name, pemType string
		der           []byte
	}{
		{"PKCS#1", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k)},
		{"PKCS#8", "PRIVATE KEY", func() []byte { d, _ := x509.MarshalPKCS8PrivateKey(k); return d }()},
	} {
		lines := strings.Split(strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: enc.pemType, Bytes: enc.der}))), "\n")
		for _, damage := range []struct {
			name string
			f    func([]string) []string
		}{
			{"two lines swapped", func(l []string) []string { l[2], l[3] = l[3], l[2]; return l }},
			{"a line dropped", func(l []string) []string { return append(l[:2:2], l[3:]...) }},
			{"first line swapped with a later one", func(l []string) []string { l[1], l[5] = l[5], l[1]; return l }},
		} {
			t.Run(enc.name+", "+damage.name, func(t *testing.T) {
				bad := damage.f(slices.Clone(lines))
				_, err := auth.ParseCredentials(credsJSON(t, 1, testKeyID, strings.Join(bad, "\n")+"\n"))
				var ce *auth.CredentialsError
				if !errors.As(err, &ce) || ce.Field != "private_key" {
					t.Fatalf("err = %v; want a *auth.CredentialsError for private_key", err)
				}
				out := fmt.Sprintf("%v %+v %#v", err, err, err)
				for _, leak := range []string{"asn1", "tag", "length", "@"} {
					if strings.Contains(out, leak) {
						t.Fatalf("the error quotes the parser's view of the key (%q): %s", leak, out)
					}
				}
				if !strings.Contains(err.Error(), "damaged") {
					t.Errorf("err = %v; want it to say the key is damaged", err)
				}
			})
		}
	}
}
