package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestEndlessInputsAreRefused: inputs read whole or to a line's end refuse /dev/zero at once
// (exit 2, nothing sent) instead of reading it for ever.
func TestEndlessInputsAreRefused(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	batch := writeFile(t, updateLines(1))
	base := []string{"--credentials", creds, "--base-url", srv.URL}
	r := runCLI(t, nil, append([]string{"update", "--batch", batch, "--json", "--resume", "/dev/zero"}, base...))
	checkOneLine(t, "--resume /dev/zero", r, exitNothing, "--resume: line 1 is longer than 1048576 bytes: /dev/zero is not the --json output of a batch")
	for _, tt := range []struct{ file, want string }{
		{"/dev/zero", "--seed: /dev/zero is a device"},
		{t.TempDir(), "is a directory"},
		{filepath.Join(t.TempDir(), "missing.json"), "no such file"},
	} {
		r := runCLI(t, nil, []string{"serve", "--addr", "127.0.0.1:0", "--credentials-out", filepath.Join(t.TempDir(), "c.json"), "--seed", tt.file})
		checkOneLine(t, "--seed "+tt.file, r, exitNothing, tt.want)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestBatchEndlessLineStops: a batch whose line never ends (/dev/zero, or a pipe from it) stops
// reading after maxDrain bytes of that line instead of draining it for ever; the lines before
// it are still sent.
func TestBatchEndlessLineStops(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	base := []string{"update", "--batch", "-", "--credentials", creds, "--base-url", srv.URL}
	r := runCLI(t, zeroReader{}, base)
	checkOneLine(t, "--batch - < /dev/zero", r, exitNothing, "reading the input after line 0 failed: line 1 is longer than 64 MiB")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	r = runCLI(t, io.MultiReader(strings.NewReader(updateLines(1)), zeroReader{}), base, secrets(1)...)
	if r.code != exitFailed || !strings.Contains(r.stdout, "line 1\tid 1\tok") ||
		!strings.Contains(r.stderr, "reading the input after line 1 failed: line 2 is longer than 64 MiB") {
		t.Errorf("a good line, then zeros: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
