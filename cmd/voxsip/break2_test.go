package main

import (
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// TestApplyFileThatWouldLoseEntriesIsRefused: a file whose entries YAML alone would drop (a
// second registrations: key, a second document after ---) or that names one registration twice
// is refused before any request (exit 2), so --prune cannot delete what the file lists.
func TestApplyFileThatWouldLoseEntriesIsRefused(t *testing.T) {
	srv, creds := fake(t, apitest.WithRegistrations(
		api.SIPRegistration{SIPUsername: "a", Proxy: "p", IsPersistent: true},
		api.SIPRegistration{SIPUsername: "b", Proxy: "p", IsPersistent: true},
	))
	for _, tt := range []struct{ yaml, want string }{
		{"registrations:\n  - {sip_username: a, proxy: p}\nregistrations:\n  - {sip_username: b, proxy: p}\n",
			"line 3: registrations: given twice"},
		{"registrations:\n  - {sip_username: a, proxy: p}\n---\nregistrations:\n  - {sip_username: b, proxy: p}\n",
			"line 4: a second YAML document"},
		{"registrations:\n  - {sip_username: a, proxy: p}\n  - {sip_username: b, proxy: p}\n  - {sip_username: a, proxy: p, auth_user: x}\n",
			"line 4: a@p is in the file twice (first on line 2)"},
	} {
		file := writeFile(t, tt.yaml)
		r := runCLI(t, nil, []string{"apply", "-f", file, "--prune", "--credentials", creds, "--base-url", srv.URL})
		checkOneLine(t, tt.yaml, r, exitNothing, tt.want)
	}
	if n := len(srv.Requests()); n != 0 || len(srv.Registrations()) != 2 {
		t.Errorf("%d requests sent, %d registrations left", n, len(srv.Registrations()))
	}
	// A document separator with nothing after it is harmless.
	file := writeFile(t, "---\nregistrations:\n  - {sip_username: a, proxy: p}\n  - {sip_username: b, proxy: p}\n---\n")
	r := runCLI(t, nil, []string{"apply", "-f", file, "--prune", "--credentials", creds, "--base-url", srv.URL})
	if r.code != 0 || !strings.Contains(r.stdout, "No changes: 2 registrations match the file.") {
		t.Errorf("trailing ---: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}
