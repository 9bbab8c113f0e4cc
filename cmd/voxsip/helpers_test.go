package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api/apitest"
)

// checkOneLine fails unless r is exit want with one "voxsip: " line on stderr holding text.
func checkOneLine(t *testing.T, what string, r result, want int, text string) {
	t.Helper()
	if r.code != want || !strings.HasPrefix(r.stderr, "voxsip: ") || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, text) {
		t.Errorf("%s: exit %d, stderr %q; want exit %d and one line with %q", what, r.code, r.stderr, want, text)
	}
}

// runToFile runs voxsip in-process with stdout going to the file out (as a shell's > would
// give it), with a deadline; it returns the exit code and stderr.
func runToFile(t *testing.T, out *os.File, args []string) (int, string) {
	t.Helper()
	var stderr syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- runEnv(ctx, args, &env{stdin: strings.NewReader(""), stdout: out, stderr: &stderr})
	}()
	select {
	case code := <-done:
		return code, stderr.String()
	case <-time.After(90 * time.Second):
		t.Fatalf("voxsip %s did not return", strings.Join(args, " "))
	}
	return 0, ""
}

// gated is an API whose answers wait for release; it reports each request's arrival.
func gated(t *testing.T) (*httptest.Server, chan struct{}, chan struct{}, *atomic.Int64) {
	arrived, release := make(chan struct{}, 100), make(chan struct{})
	var answered atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		answered.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"result":1}`))
	}))
	t.Cleanup(srv.Close)
	return srv, arrived, release, &answered
}

func waitN(t *testing.T, ch <-chan struct{}, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-ch:
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of %d requests arrived", i, n)
		}
	}
}

func await(t *testing.T, done <-chan result) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("voxsip did not return")
	}
	return result{}
}

// throwawayCreds writes credentials for servers that do not check tokens.
func throwawayCreds(t testing.TB) string {
	srv := apitest.NewServer()
	defer srv.Close()
	return writeCreds(t, srv)
}
