//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package main

import (
	"fmt"
	"os"
)

// lockResume opens the --resume results file. On this system it is not locked (locked is
// false): two runs resuming from one results file at once would each send the lines it does not
// mark (see the CLI help); run one at a time.
func lockResume(path string) (f *os.File, locked bool, err error) {
	f, err = os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("--resume: %w", err)
	}
	return f, false, nil
}
