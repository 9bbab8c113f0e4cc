//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package main

import (
	"fmt"
	"os"
)

// lockResume opens the --resume results file. On this system it is not locked: two runs
// resuming from one results file at once would each send the lines it does not mark (see the
// CLI help); run one at a time.
func lockResume(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	return f, nil
}
