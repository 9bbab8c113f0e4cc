package auth_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"sync"
	"testing"

	"github.com/voxsip/voxsip/internal/testutil"
)

// key returns the RSA key shared by the package's tests.
func key(t testing.TB) *rsa.PrivateKey { return testutil.RSAKey(t) }

func pkcs8PEM(t testing.TB, k any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pkcs1PEM(t testing.TB, k *rsa.PrivateKey) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// credsJSON builds a flat credentials.json.
func credsJSON(t testing.TB, accountID any, keyID, privateKey string) []byte {
	t.Helper()
	m := map[string]any{"account_email": "ops@example.com", "key_id": keyID, "private_key": privateKey}
	if accountID != nil {
		m["account_id"] = accountID
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keyMaterial returns fragments of k's PEM body that must never appear in output.
func keyMaterial(t testing.TB, k *rsa.PrivateKey) []string {
	t.Helper()
	p := pkcs8PEM(t, k)
	lines := []string{}
	for _, l := range splitLines(p) {
		if len(l) == 64 {
			lines = append(lines, l[:24])
		}
	}
	return lines
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := range len(s) {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// hangTimeout bounds every wait in these tests (see testutil.WaitLimit).
const hangTimeout = testutil.WaitLimit

// wait waits for wg, failing the test if it is not done within hangTimeout.
func wait(t testing.TB, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	testutil.Recv(t, done, what)
}

// hangCtx returns a context that ends after hangTimeout (or with the test), for calls made in
// the test's own goroutine: one that would block forever fails with context.DeadlineExceeded.
func hangCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), hangTimeout)
	t.Cleanup(cancel)
	return ctx
}
