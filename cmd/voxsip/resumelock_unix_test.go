//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package main

import (
	"strings"
	"syscall"
	"testing"
)

// On a file system without locks (flock fails with ENOTSUP or ENOLCK) a --resume run goes on
// unlocked, and says so: a second run at once would not be refused.
func TestResumeSaysWhenItCannotLock(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENOTSUP, syscall.ENOLCK} {
		flock = func(int, int) error { return errno }
		batch := writeFile(t, `{"sip_username": "a", "proxy": "p"}`+"\n")
		results := writeFile(t, `{"line":1,"ok":false,"op":"`+opCreate.op.ID+`","error":"failed"}`+"\n")
		r := runCLI(t, nil, []string{"create", "--batch", batch, "--dry-run", "--resume", results})
		flock = syscall.Flock
		if r.code != exitOK || !strings.Contains(r.stderr, "voxsip: --resume: "+results+" cannot be locked here") {
			t.Errorf("%v: exit %d, stderr %q; want the run done, saying it is unlocked", errno, r.code, r.stderr)
		}
	}
}
