//go:build unix

package api_test

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/auth"
)

// NewClient takes its credentials from a pipe, as a shell's process substitution gives them
// (WithCredentialsFile("/dev/fd/N"), or VOXIMPLANT_CREDENTIALS=/dev/fd/N). (auth's tests check
// what is read, named pipes included.)
func TestNewClientReadsCredentialsFromAPipe(t *testing.T) {
	data, err := json.Marshal(map[string]any{"account_id": 4242, "key_id": "k-1", "private_key": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKey(t))}))})
	if err != nil {
		t.Fatal(err)
	}
	for _, viaEnv := range []bool{false, true} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		written := make(chan error, 1)
		go func() {
			_, err := w.Write(data)
			w.Close()
			written <- err
		}()
		path := fmt.Sprintf("/dev/fd/%d", r.Fd())
		opts := []api.Option{api.WithBaseURL("http://127.0.0.1:1/")}
		if viaEnv {
			t.Setenv(auth.EnvCredentials, path)
		} else {
			opts = append(opts, api.WithCredentialsFile(path))
		}
		c, err := api.NewClient(opts...)
		r.Close()
		if err != nil {
			t.Fatalf("NewClient from %s (env %v): %v", path, viaEnv, err)
		}
		if err := <-written; err != nil {
			t.Errorf("writer: %v", err)
		}
		c.CloseIdleConnections()
	}
}
