package main

import (
	"strings"
	"testing"
)

// TestEveryCommandChecksItsOutput: whatever the command, output that cannot be written (a full
// disk, a closed pipe) is an error on stderr and a non-zero exit, never exit 0 with the output
// lost: list's table, version, token, a dry run, help, apply's "No changes".
func TestEveryCommandChecksItsOutput(t *testing.T) {
	srv, creds := fake(t, seedIDs(2))
	conn := []string{"--credentials", creds, "--base-url", srv.URL}
	applyFile := writeFile(t, "registrations: []\n")
	for _, args := range [][]string{
		append([]string{"list"}, conn...),
		append([]string{"list", "--json"}, conn...),
		{"version"},
		{"--version"},
		{"help"},
		{"update", "--help"},
		{"token", "--credentials", creds},
		{"update", "--id", "1", "--auth-user", "x", "--dry-run"},
		{"update", "--id", "1", "--auth-user", "x", "--dry-run", "--json"},
		append([]string{"apply", "-f", applyFile}, conn...),
		append([]string{"apply", "-f", applyFile, "--dry-run"}, conn...),
		append([]string{"call", "get-sip-registrations"}, conn...),
	} {
		for name, out := range brokenOutputs(t) {
			code, stderr := runToFile(t, out, args)
			if code == exitOK || !strings.Contains(stderr, "standard output failed") {
				t.Errorf("voxsip %s > %s: exit %d, stderr %q; want a failure that says the output was lost",
					strings.Join(args, " "), name, code, stderr)
			}
		}
	}
}

// TestOnePrefixOnErrors: an error from the library (which starts its own errors with
// "voxsip: ") is printed with the prefix once, at the top level and inside a batch's results.
func TestOnePrefixOnErrors(t *testing.T) {
	srv, creds := fake(t)
	conn := []string{"--credentials", creds, "--base-url", srv.URL}
	for _, args := range [][]string{
		append([]string{"delete", "--id", "99"}, conn...),
		append([]string{"update", "--id", "99", "--auth-user", "x", "--json"}, conn...),
		append([]string{"call", "delete-sip-registration", "--id", "99"}, conn...),
		{"list", "--base-url", "http://127.0.0.1:1/platform_api", "--attempts", "1", "--credentials", creds},
		append([]string{"update", "--batch", writeFile(t, `{"sip_registration_id":99,"auth_user":"x"}`+"\n"+`{"sip_registration_id":-1}`+"\n")}, conn...),
		append([]string{"update", "--json", "--batch", writeFile(t, `{"sip_registration_id":99,"auth_user":"x"}`+"\n"+`{"sip_registration_id":-1}`+"\n")}, conn...),
	} {
		r := runCLI(t, nil, args)
		if r.code != exitFailed || strings.Count(r.stdout+r.stderr, "voxsip: ") != strings.Count(r.stderr, "\nvoxsip: ")+1 {
			t.Errorf("voxsip %s: exit %d; want 1 and \"voxsip: \" once per line of stderr, never in a line's middle or on stdout:\nstdout: %s\nstderr: %s",
				strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
}
