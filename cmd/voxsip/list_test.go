package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// TestListTimeoutIncludesEveryAttempt: --timeout bounds a page of list (and apply's read) with
// all its attempts, as it bounds every other request: a page that never answers ends at the
// first timeout instead of after --attempts of them.
func TestListTimeoutIncludesEveryAttempt(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	file := writeFile(t, "registrations: []\n")
	for _, args := range [][]string{{"list"}, {"apply", "-f", file}} {
		srv.EnqueueFor("GetSipRegistrations", apitest.Hang(), apitest.Hang(), apitest.Hang())
		r := runCLI(t, nil, append(args, "--timeout", "200ms", "--attempts", "3", "--credentials", creds, "--base-url", srv.URL))
		checkOneLine(t, args[0], r, exitFailed, "no answer within --timeout 200ms (all attempts included)")
		if strings.Contains(r.stderr, "giving up after") {
			t.Errorf("%s retried past --timeout: %q", args[0], r.stderr)
		}
	}
}

// TestListPrintsNoHeaderBeforeFailing: a list that fails prints no table head with no rows;
// an empty list still has its head.
func TestListPrintsNoHeaderBeforeFailing(t *testing.T) {
	srv, creds := fake(t)
	base := []string{"list", "--credentials", creds, "--base-url", srv.URL, "--attempts", "1"}
	if r := runCLI(t, nil, base); r.code != 0 || !strings.HasPrefix(r.stdout, "ID") {
		t.Errorf("empty list: exit %d, %q", r.code, r.stdout)
	}
	srv.FailNext(2, "internal error")
	if r := runCLI(t, nil, base); r.code != exitFailed || r.stdout != "" {
		t.Errorf("failed list: exit %d, stdout %q", r.code, r.stdout)
	}
}

// TestListEscapesServerText: control characters in what the service returns cannot forge a
// row of list's table or reach the terminal; --json keeps them exact.
func TestListEscapesServerText(t *testing.T) {
	evil := "bob\n99      forged\x1b[31m"
	srv, creds := fake(t, apitest.WithRegistrations(api.SIPRegistration{SIPUsername: evil, Proxy: "p\t\u202ex", IsPersistent: true}))
	r := runCLI(t, nil, []string{"list", "--credentials", creds, "--base-url", srv.URL})
	if r.code != 0 || strings.Count(r.stdout, "\n") != 2 || strings.ContainsAny(r.stdout, "\x1b\u202e") ||
		!strings.Contains(r.stdout, `bob\x0a99      forged\x1b[31m`) {
		t.Errorf("table:\n%s", r.stdout)
	}
	r = runCLI(t, nil, []string{"list", "--json", "--credentials", creds, "--base-url", srv.URL})
	var got api.SIPRegistration
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.SIPUsername != evil || got.Proxy != "p\t\u202ex" {
		t.Errorf("--json: %q (%v)", r.stdout, err)
	}
}
