package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api/apitest"
)

// The pool sends every line to the minimal API, which counts its connections, and stops when
// its input closes.
func TestPoolAgainstServe(t *testing.T) {
	in, closeIn := io.Pipe()
	outR, out := io.Pipe()
	served := make(chan error, 1)
	go func() { served <- serve(in, out) }()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSpace(line)
	fake := apitest.NewServer()
	creds := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(creds, fake.CredentialsJSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	fake.Close()
	if err := pool(base, creds, "", 200, 4); err != nil {
		t.Fatal(err)
	}
	_, batch, err := inputs(t.TempDir(), 50)
	if err != nil {
		t.Fatal(err)
	}
	if err := pool(base, creds, batch, 0, 4); err != nil {
		t.Fatal(err)
	}
	if err := pool(base, creds, creds, 0, 4); err == nil { // not JSON Lines of updates
		t.Error("the pool read a file of no updates without an error")
	}
	resp, err := http.Get(base + "/_conns")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if s := string(n); s == "0" || s == "" {
		t.Errorf("/_conns says %q after 200 requests", s)
	}
	closeIn.Close()
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop when its input closed")
	}
}

// Without the binary to measure, measure says so.
func TestMeasureNeedsVoxsip(t *testing.T) {
	if err := measure("", 1, 1, 1, io.Discard); err == nil || !strings.Contains(err.Error(), "-voxsip") {
		t.Errorf("measure without -voxsip: %v", err)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{0.9}, 0.9}} {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}
