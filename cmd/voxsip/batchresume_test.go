package main

import (
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api/apitest"
)

// TestResumeKeepsOutcomeUnknown: a create line whose outcome is unknown (a 502 after the request
// was sent) is not sent again by --resume, and each run's results mark it unknown again, so a
// chain of --resume runs never sends it, until --resume-accept-unknown (after checking) does;
// marking it ok in the results skips it.
func TestResumeKeepsOutcomeUnknown(t *testing.T) {
	srv, creds := fake(t)
	batch := writeFile(t, `{"sip_username": "a", "proxy": "p"}`+"\n"+`{"sip_username": "b", "proxy": "p"}`+"\n")
	args := []string{"create", "--batch", batch, "--json", "--concurrency", "1", "--attempts", "1", "--credentials", creds, "--base-url", srv.URL}
	srv.EnqueueFor("CreateSipRegistration", apitest.Status(502, nil, "bad gateway"))
	r := runCLI(t, nil, args)
	if r.code != exitFailed || !strings.Contains(r.stdout, `"line":1,"ok":false,"outcome_unknown":true`) {
		t.Fatalf("run 1: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	sent := len(srv.Requests())
	results := r.stdout
	for gen := 2; gen <= 4; gen++ {
		r = runCLI(t, nil, append(args, "--resume", writeFile(t, results)))
		if r.code == exitOK || len(srv.Requests()) != sent || !strings.Contains(r.stdout, `"outcome_unknown":true`) ||
			!strings.Contains(r.stderr, "the outcome of line 1 is unknown") {
			t.Fatalf("run %d: exit %d, %d new requests, stdout %s, stderr %s", gen, r.code, len(srv.Requests())-sent, r.stdout, r.stderr)
		}
		results = r.stdout
	}
	// Marked ok by hand: skipped.
	r = runCLI(t, nil, append(args, "--resume", writeFile(t, `{"line":1,"ok":true}`+"\n"+`{"line":2,"ok":true}`+"\n")))
	if r.code != exitOK || len(srv.Requests()) != sent {
		t.Errorf("marked ok: exit %d, %d new requests", r.code, len(srv.Requests())-sent)
	}
	// Decided: sent again.
	r = runCLI(t, nil, append(args, "--resume", writeFile(t, results), "--resume-accept-unknown"))
	if r.code != exitOK || len(srv.Requests()) != sent+1 || len(srv.Registrations()) != 2 {
		t.Errorf("--resume-accept-unknown: exit %d, %d new requests, stderr %s", r.code, len(srv.Requests())-sent, r.stderr)
	}
}
