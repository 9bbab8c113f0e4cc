package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestTokenNamesTheAccountItActsFor: with --account-id the note on stderr names that account
// (the token's iss), not the key's; an explicit --account-id 0 is refused, not taken as unset.
func TestTokenNamesTheAccountItActsFor(t *testing.T) {
	srv, creds := fake(t)
	r := runCLI(t, nil, []string{"token", "--credentials", creds, "--account-id", "5"})
	own := srv.Credentials().AccountID
	want := fmt.Sprintf("token for account 5 (with the key of account %d), expires ", own)
	if r.code != 0 || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("--account-id 5: exit %d, stderr %q, want it to start with %q", r.code, r.stderr, want)
	}
	r = runCLI(t, nil, []string{"token", "--credentials", creds})
	if want := fmt.Sprintf("token for account %d, expires ", own); r.code != 0 || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("no --account-id: exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	r = runCLI(t, nil, []string{"token", "--credentials", creds, "--account-id", "0"})
	checkOneLine(t, "--account-id 0", r, exitNothing, "account id 0 is not positive")
	if r.stdout != "" {
		t.Errorf("--account-id 0 printed a token")
	}
}
