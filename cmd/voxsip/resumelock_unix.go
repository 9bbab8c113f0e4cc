//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockResume takes an exclusive advisory lock (flock) on the --resume results file for the
// whole run, so that two runs resuming from one results file (and appending to it) cannot both
// send the lines it does not mark: each would send them, and for create that is two
// registrations and two fees per line. A second run is refused at once, nothing sent. The lock
// goes with the returned file: close it when the run ends (the system drops it too if the
// process dies). locked is false on a file system without locks: the run goes on unlocked.
func lockResume(path string) (f *os.File, locked bool, err error) {
	f, err = os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("--resume: %w", err)
	}
	for {
		err = flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	switch {
	case errors.Is(err, syscall.EWOULDBLOCK):
		f.Close()
		return nil, false, fmt.Errorf("--resume: another voxsip run is using %s (it holds its lock); nothing was sent: "+
			"wait for that run to end, then resume again", path)
	case err != nil && !errors.Is(err, syscall.ENOTSUP) && !errors.Is(err, syscall.ENOLCK):
		f.Close()
		return nil, false, fmt.Errorf("--resume: locking %s: %w", path, err)
	}
	return f, err == nil, nil // a file system without locks (ENOTSUP, ENOLCK): unlocked
}

// flock is syscall.Flock; tests stand in a file system without locks.
var flock = syscall.Flock
