//go:build unix

package auth_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/voxsip/voxsip/auth"
)

// pipeDeadline bounds each wait of these tests: generous, only so that a hang fails.
const pipeDeadline = 30 * time.Second

// loadWithin runs LoadCredentials(path) and returns its result, failing t if it does not
// return within pipeDeadline (unblock, if not nil, then lets the load end).
func loadWithin(t *testing.T, path string, unblock func()) (*auth.Credentials, error) {
	t.Helper()
	type result struct {
		c   *auth.Credentials
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := auth.LoadCredentials(path)
		done <- result{c, err}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), pipeDeadline)
	defer cancel()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		if unblock != nil {
			unblock()
		}
		t.Fatalf("LoadCredentials(%s) did not return within %v", path, pipeDeadline)
		return nil, nil
	}
}

// writeChunks writes data to w in small pieces, then closes w, reporting the first error.
func writeChunks(w *os.File, data []byte) <-chan error {
	errc := make(chan error, 1)
	go func() {
		defer w.Close()
		for len(data) > 0 {
			n := min(len(data), 100)
			if _, err := w.Write(data[:n]); err != nil {
				errc <- err
				return
			}
			data = data[n:]
		}
		errc <- nil
	}()
	return errc
}

// A named pipe with a writer (written in pieces, then closed) is read to its end.
func TestLoadCredentialsFromANamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "credentials.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	data := credsJSON(t, 77, testKeyID, pkcs8PEM(t, key(t)))
	errc := make(chan error, 1)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // waits for the reader
		if err != nil {
			errc <- err
			return
		}
		errc <- <-writeChunks(w, data)
	}()
	c, err := loadWithin(t, fifo, func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	})
	if err != nil || c.AccountID != 77 {
		t.Fatalf("LoadCredentials(fifo) = %v, %v; want account 77", c, err)
	}
	if err := <-errc; err != nil {
		t.Errorf("writer: %v", err)
	}
}

// Process substitution, <(command), gives the program a path /dev/fd/N: LoadCredentials and
// VOXIMPLANT_CREDENTIALS read it.
func TestLoadCredentialsFromDevFd(t *testing.T) {
	data := credsJSON(t, 78, testKeyID, pkcs8PEM(t, key(t)))
	for _, viaEnv := range []bool{false, true} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		errc := writeChunks(w, data)
		path := fmt.Sprintf("/dev/fd/%d", r.Fd())
		var c *auth.Credentials
		if viaEnv {
			t.Setenv(auth.EnvCredentials, path)
			c, err = auth.CredentialsFromEnv()
		} else {
			c, err = loadWithin(t, path, func() { w.Close() })
		}
		r.Close()
		if err != nil || c.AccountID != 78 {
			t.Errorf("from %s (env %v) = %v, %v; want account 78", path, viaEnv, c, err)
		}
		if err := <-errc; err != nil {
			t.Errorf("writer: %v", err)
		}
	}
}

// A pipe that never ends (a wrong command in <(…), such as cat /dev/zero) fails at the size cap;
// it does not fill memory.
func TestLoadCredentialsFromAnEndlessPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stopped := make(chan error, 1)
	go func() {
		defer w.Close()
		chunk := make([]byte, 4096)
		for {
			if _, err := w.Write(chunk); err != nil {
				stopped <- err
				return
			}
		}
	}()
	_, err = loadWithin(t, fmt.Sprintf("/dev/fd/%d", r.Fd()), func() { r.Close() })
	var ce *auth.CredentialsError
	if !errors.As(err, &ce) || !strings.Contains(ce.Problem, "larger than") {
		t.Errorf("endless pipe: %v, want a CredentialsError about the size", err)
	}
	r.Close() // the writer's next write fails
	ctx, cancel := context.WithTimeout(context.Background(), pipeDeadline)
	defer cancel()
	select {
	case <-stopped:
	case <-ctx.Done():
		t.Fatal("the writer did not stop after the reader closed the pipe")
	}
}

// "-" is not standard input for the library: the error says how to read it.
func TestLoadCredentialsDashSaysHowToReadStdin(t *testing.T) {
	t.Chdir(t.TempDir())
	_, err := auth.LoadCredentials("-")
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "auth.ParseCredentials") || strings.Contains(err.Error(), "\n") {
		t.Errorf(`LoadCredentials("-") = %v, want a one-line "not found" that names auth.ParseCredentials`, err)
	}
}
