package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
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
	if r.code != exitFailed || !strings.Contains(r.stdout, `"line":1,"ok":false,"op":"`+opCreate.op.ID+`","outcome_unknown":true`) {
		t.Fatalf("run 1: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	sent := len(srv.Requests())
	results, first := r.stdout, r.stdout
	for gen := 2; gen <= 4; gen++ {
		r = runCLI(t, nil, append(args, "--resume", writeFile(t, results)))
		if r.code == exitOK || len(srv.Requests()) != sent || !strings.Contains(r.stdout, `"outcome_unknown":true`) ||
			!strings.Contains(r.stderr, "the outcome of line 1 is unknown") {
			t.Fatalf("run %d: exit %d, %d new requests, stdout %s, stderr %s", gen, r.code, len(srv.Requests())-sent, r.stdout, r.stderr)
		}
		results = r.stdout
	}
	// Marked ok by hand, as the help says: skipped.
	r = runCLI(t, nil, append(args, "--resume", writeFile(t, strings.Replace(first, `"ok":false`, `"ok":true`, 1))))
	if r.code != exitOK || len(srv.Requests()) != sent {
		t.Errorf("marked ok: exit %d, %d new requests", r.code, len(srv.Requests())-sent)
	}
	// Decided: sent again.
	r = runCLI(t, nil, append(args, "--resume", writeFile(t, results), "--resume-accept-unknown"))
	if r.code != exitOK || len(srv.Requests()) != sent+1 || len(srv.Registrations()) != 2 {
		t.Errorf("--resume-accept-unknown: exit %d, %d new requests, stderr %s", r.code, len(srv.Requests())-sent, r.stderr)
	}
}

// TestResumeFromTheFileBeingWritten: '--resume r.jsonl > r.jsonl' lets the shell empty the
// results before voxsip reads them; a create batch would then create every line again (a
// second registration and fee each). It is refused, nothing sent; appending (>>) still works.
func TestResumeFromTheFileBeingWritten(t *testing.T) {
	srv, creds := fake(t)
	batch := writeFile(t, `{"sip_username": "a", "proxy": "p"}`+"\n"+`{"sip_username": "b", "proxy": "p"}`+"\n")
	results := filepath.Join(t.TempDir(), "results.jsonl")
	args := []string{"create", "--batch", batch, "--json", "--credentials", creds, "--base-url", srv.URL}

	out, err := os.Create(results)
	if err != nil {
		t.Fatal(err)
	}
	code, stderr := runToFile(t, out, args)
	out.Close()
	if code != 0 || len(srv.Registrations()) != 2 {
		t.Fatalf("first run: exit %d, %s", code, stderr)
	}
	first, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}

	out, err = os.Create(results) // > results.jsonl: emptied before voxsip runs
	if err != nil {
		t.Fatal(err)
	}
	code, stderr = runToFile(t, out, append(args, "--resume", results))
	out.Close()
	if code != exitNothing || !strings.Contains(stderr, "--resume: "+results+" is also standard output") || len(srv.Registrations()) != 2 {
		t.Errorf("--resume into itself: exit %d, stderr %q, %d registrations", code, stderr, len(srv.Registrations()))
	}

	// >> keeps what the first run wrote: resuming from it skips both lines.
	if err := os.WriteFile(results, first, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = os.OpenFile(results, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	code, stderr = runToFile(t, out, append(args, "--resume", results))
	out.Close()
	if code != 0 || len(srv.Registrations()) != 2 || !strings.Contains(stderr, "2 done before (--resume)") {
		t.Errorf("--resume with >>: exit %d, stderr %q, %d registrations", code, stderr, len(srv.Registrations()))
	}
}

// TestBatchResume: a second run with --resume does exactly the lines the first did not.
func TestBatchResume(t *testing.T) {
	srv, creds := fake(t, seedIDs(6))
	batch := writeFile(t, updateLines(6))
	srv.Enqueue(apitest.Error(2, "internal error"), apitest.Error(2, "internal error"), apitest.Error(2, "internal error"))
	args := []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--concurrency", "1", "--json", "--attempts", "1"}
	r := runCLI(t, nil, args, secrets(6)...)
	if r.code != 1 {
		t.Fatalf("first run: exit %d", r.code)
	}
	// The first run's results, cut short as if killed mid-write after line 4.
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	results := writeFile(t, strings.Join(lines[:4], "\n")+"\n"+lines[4][:10])
	first := len(srv.Requests())
	r = runCLI(t, nil, append(args, "--resume", results), secrets(6)...)
	if r.code != 0 {
		t.Fatalf("resumed run: exit %d, stderr %q", r.code, r.stderr)
	}
	var redone []int64
	for _, req := range srv.Requests()[first:] {
		redone = append(redone, req.Params.(*api.UpdateSIPRegistrationParams).SIPRegistrationID)
	}
	slices.Sort(redone)
	if want := []int64{1, 2, 3, 5, 6}; !slices.Equal(redone, want) {
		t.Errorf("resumed run sent ids %v, want %v (lines 1-3 failed, 4 was done, 5-6 unknown)", redone, want)
	}
	if !strings.Contains(r.stdout, `{"line":4,"ok":true,"op":"`+opUpdate.op.ID+`","params_digest":"`) ||
		!strings.Contains(r.stdout, `,"sip_registration_id":4,"skipped":"done in a previous run"}`) {
		t.Errorf("resumed run output:\n%s", r.stdout)
	}
}

// TestResumeFromADryRunSendsEveryLine: a --dry-run's --json results say "ok": true of lines that
// were only checked; resuming from them must send those lines, not skip them as done.
func TestResumeFromADryRunSendsEveryLine(t *testing.T) {
	srv, creds := fake(t)
	batch := writeFile(t, `{"sip_username": "a", "proxy": "p"}`+"\n"+`{"sip_username": "b", "proxy": "p"}`+"\n")
	args := []string{"create", "--batch", batch, "--json", "--credentials", creds, "--base-url", srv.URL}
	dry := runCLI(t, nil, append(args, "--dry-run"))
	if dry.code != exitOK || len(srv.Requests()) != 0 {
		t.Fatalf("dry run: exit %d, %d requests, stderr %s", dry.code, len(srv.Requests()), dry.stderr)
	}
	r := runCLI(t, nil, append(args, "--resume", writeFile(t, dry.stdout)))
	if r.code != exitOK || len(srv.Registrations()) != 2 || strings.Contains(r.stdout, "skipped") {
		t.Errorf("resumed from a dry run: exit %d, %d registrations (want 2), stdout %s, stderr %s",
			r.code, len(srv.Registrations()), r.stdout, r.stderr)
	}
}

// TestResumeRefusesWhatIsNoResults: --resume with a file that is not a batch's --json results
// (the text results, the input file itself) would mark nothing done and send every line again
// (for create, a second registration and fee each): it is refused and nothing is sent.
func TestResumeRefusesWhatIsNoResults(t *testing.T) {
	srv, creds := fake(t)
	input := `{"sip_username": "a", "proxy": "p"}` + "\n" + `{"sip_username": "b", "proxy": "p"}` + "\n"
	batch := writeFile(t, input)
	args := []string{"create", "--batch", batch, "--credentials", creds, "--base-url", srv.URL}
	text := runCLI(t, nil, args)
	args = append(args, "--json")
	if text.code != exitOK || len(srv.Registrations()) != 2 {
		t.Fatalf("run 1: exit %d, stderr %s", text.code, text.stderr)
	}
	for name, results := range map[string]string{"text results": text.stdout, "the input": input,
		"a number": "1\n", "a line of 0": `{"line":0,"ok":true}` + "\n"} {
		r := runCLI(t, nil, append(args, "--resume", writeFile(t, results)))
		checkOneLine(t, name, r, exitNothing, "is not the --json output of a batch")
		if n := len(srv.Requests()); n != 2 {
			t.Fatalf("%s: %d requests, want none new", name, n-2)
		}
	}
}

// TestResumeRefusesASecondRunOnOneResultsFile: two runs resuming from one results file at once
// (both appending to it) would each send every line it does not mark: twice for create. While
// the first run holds the file (its request held by the API), the second is refused with one
// line naming the file, and sends nothing; once the first has ended, the file is free again.
func TestResumeRefusesASecondRunOnOneResultsFile(t *testing.T) {
	srv, arrived, release, answered := gated(t)
	creds := throwawayCreds(t)
	batch := writeFile(t, `{"sip_username": "a", "proxy": "p"}`+"\n")
	results := writeFile(t, `{"line":1,"ok":false,"op":"`+opCreate.op.ID+`","error":"failed"}`+"\n")
	args := []string{"create", "--batch", batch, "--json", "--resume", results, "--attempts", "1", "--credentials", creds, "--base-url", srv.URL}
	done := make(chan result, 1)
	go func() { done <- runCLI(t, nil, args) }()
	waitN(t, arrived, 1)

	r := runCLI(t, nil, args)
	checkOneLine(t, "second run", r, exitNothing, "another voxsip run is using "+results)
	close(release)
	if r := await(t, done); !strings.Contains(r.stdout, `"line":1`) || answered.Load() != 1 || len(arrived) != 0 {
		t.Errorf("first run: %d answered, %d more arrived; stdout %q", answered.Load(), len(arrived), r.stdout)
	}
	if r := runCLI(t, nil, []string{"create", "--batch", batch, "--dry-run", "--resume", results}); r.code != exitOK || strings.Contains(r.stderr, "cannot be locked") {
		t.Errorf("after the first run: exit %d, stderr %q; want the file free and locked", r.code, r.stderr)
	}
}

// TestUpdateResumesAfterAResultCutMidLine: an update batch killed while writing a result (no
// copy on standard error) leaves a piece; the next run's results, appended with >>, are glued
// to it (or follow it on the next line). That run and every later one resume: the piece is
// passed over (update is idempotent, its line was sent again), nothing done is sent again.
func TestUpdateResumesAfterAResultCutMidLine(t *testing.T) {
	srv, creds := fake(t, seedIDs(5))
	args := []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", writeFile(t, updateLines(5)), "--json"}
	r := runCLI(t, nil, args, secrets(5)...)
	if r.code != exitOK {
		t.Fatalf("first run: exit %d, stderr %q", r.code, r.stderr)
	}
	l := strings.SplitAfter(r.stdout, "\n")
	for name, cut := range map[string]string{"glued": l[0] + l[1] + l[2] + l[3] + l[4][:20], "then a newline": l[0] + l[1] + l[2] + l[3] + l[4][:20] + "\n"} {
		results := cut
		for gen := 2; gen <= 4; gen++ {
			sent := len(srv.Requests())
			r := runCLI(t, nil, append(args, "--resume", writeFile(t, results)), secrets(5)...)
			wantSent := map[bool]int{true: 1}[gen == 2] // line 5, whose result was cut, once
			if r.code != exitOK || len(srv.Requests())-sent != wantSent || strings.Count(r.stdout, "done in a previous run") != 5-wantSent {
				t.Fatalf("%s: run %d: exit %d, %d sent (want %d), stdout %s, stderr %s", name, gen, r.code, len(srv.Requests())-sent, wantSent, r.stdout, r.stderr)
			}
			results += r.stdout // >> results
		}
	}
}
