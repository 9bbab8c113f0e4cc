package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/voxsip/voxsip/api/apitest"
)

// createLines is a create batch of the usernames, one line each.
func createLines(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, `{"sip_username": %q, "proxy": "p"}`+"\n", n)
	}
	return b.String()
}

// createRun runs a create batch of input with --json (and extra) against srv.
func createRun(t *testing.T, srv *apitest.Server, creds, input string, extra ...string) result {
	t.Helper()
	args := []string{"create", "--batch", writeFile(t, input), "--json", "--concurrency", "1", "--attempts", "1",
		"--credentials", creds, "--base-url", srv.URL}
	return runCLI(t, nil, append(args, extra...))
}

// TestResumeRefusesResultsOfOtherLines: --resume matches a result to its input line by the
// operation and a digest of the line, not by its number alone. An input with a line inserted
// or deleted, results of another command, results without op and digest (an older voxsip's),
// and results for lines past the input's end are refused whole, nothing sent; a failed line
// fixed in place is sent again.
func TestResumeRefusesResultsOfOtherLines(t *testing.T) {
	srv, creds := fake(t)
	r := createRun(t, srv, creds, createLines("a1", "a2"))
	if r.code != exitOK || len(srv.Registrations()) != 2 {
		t.Fatalf("run 1: exit %d, stderr %s", r.code, r.stderr)
	}
	results := writeFile(t, r.stdout)
	// An older voxsip's results: no op, no digest.
	old := writeFile(t, `{"line":1,"ok":true,"sip_registration_id":1}`+"\n")
	updated := runCLI(t, nil, []string{"update", "--batch", writeFile(t, `{"sip_registration_id": 1, "proxy": "q"}`+"\n"),
		"--json", "--credentials", creds, "--base-url", srv.URL})
	if updated.code != exitOK {
		t.Fatalf("update: exit %d, stderr %s", updated.code, updated.stderr)
	}
	for _, tt := range []struct{ name, input, results, want string }{
		{"a line inserted first", createLines("new", "a1", "a2"), results,
			"line 1 of " + results + " marks input line 1 ok, but input line 1 is not the line that result is for"},
		{"a line deleted", createLines("a2"), results,
			"line 1 of " + results + " marks input line 1 ok, but input line 1 is not the line that result is for"},
		{"a line made bad", `{"sip_username": "a1", "proxy": "p", "x": 1}` + "\n" + createLines("a2"), results, "it is now a bad line"},
		{"the input cut short", createLines("a1"), results, "line 2 of " + results + " is a result for input line 2, but the input ends at line 1"},
		{"results of update", createLines("a1", "a2"), writeFile(t, updated.stdout),
			"is a result of " + opUpdate.op.ID + ", not " + opCreate.op.ID},
		{"an older voxsip's results", createLines("a1", "a2"), old, `has no "op" and "params_digest"`},
	} {
		r := createRun(t, srv, creds, tt.input, "--resume", tt.results)
		checkOneLine(t, tt.name, r, exitNothing, tt.want)
		if !strings.Contains(r.stderr, "othing was sent") || len(srv.Registrations()) != 2 {
			t.Fatalf("%s: %d registrations (want 2), stderr %s", tt.name, len(srv.Registrations()), r.stderr)
		}
	}

	// From standard input, the lines read to check are sent from what was read.
	r = runCLI(t, strings.NewReader(createLines("a1", "a2", "a3")), []string{"create", "--batch", "-", "--json",
		"--credentials", creds, "--base-url", srv.URL, "--resume", results})
	if r.code != exitOK || len(srv.Registrations()) != 3 || !strings.Contains(r.stderr, "2 done before") {
		t.Errorf("from stdin: exit %d, %d registrations (want 3), stderr %s", r.code, len(srv.Registrations()), r.stderr)
	}

	// A failed line fixed in place: sent again, the others skipped.
	srv2, creds2 := fake(t)
	r = createRun(t, srv2, creds2, createLines("b1")+`{"sip_username": "b2", "proxy": ""}`+"\n"+createLines("b3"))
	if r.code != exitFailed || len(srv2.Registrations()) != 2 {
		t.Fatalf("run with a bad line: exit %d, stderr %s", r.code, r.stderr)
	}
	r = createRun(t, srv2, creds2, createLines("b1", "b2", "b3"), "--resume", writeFile(t, r.stdout))
	if r.code != exitOK || len(srv2.Registrations()) != 3 || !strings.Contains(r.stderr, "2 done before") {
		t.Errorf("fixed in place: exit %d, %d registrations (want 3), stderr %s", r.code, len(srv2.Registrations()), r.stderr)
	}
}

// TestParamsDigestHidesThePassword: the digest in the results depends on the parameters but not
// on the password (a digest over it would let a guess be checked cheaply), and is not the
// SHA-256 of the line.
func TestParamsDigestHidesThePassword(t *testing.T) {
	line := func(user, pw string) string {
		return fmt.Sprintf(`{"sip_username": %q, "proxy": "p", "auth_user": "u", "password": %q}`, user, pw)
	}
	digest := func(raw string) string {
		p, err := parseLine(opCreate, []byte(raw))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		return paramsDigest(opCreate, p)
	}
	a, b, c := digest(line("a", "Secret-one-1")), digest(line("a", "Other-two-22")), digest(line("b", "Secret-one-1"))
	raw := sha256.Sum256([]byte(line("a", "Secret-one-1")))
	if a != b || a == c || len(a) != 16 || strings.HasPrefix(hex.EncodeToString(raw[:]), a) {
		t.Errorf("digests %q (password 1), %q (password 2), %q (other user)", a, b, c)
	}
	// Reordered keys and spaces are the same line.
	if d := digest(`{"password":"Other-two-22","auth_user":"u","proxy":"p","sip_username":"a"}`); d != a {
		t.Errorf("reordered: %q, want %q", d, a)
	}
}

// TestResumeGluedAndCutResults: a result cut short (a full disk) followed by its copy from
// standard error, appended as the batch says, on the same line or the next, is read as that
// result; a malformed line that is not followed by its copy is refused, nothing sent; a create
// batch's last line cut short is refused unless another result marks its line, and the refusal
// names the result line to write, which then works.
func TestResumeGluedAndCutResults(t *testing.T) {
	srv, creds := fake(t)
	input := createLines("g1", "g2")
	r := createRun(t, srv, creds, input)
	if r.code != exitOK || len(srv.Registrations()) != 2 {
		t.Fatalf("run 1: exit %d, stderr %s", r.code, r.stderr)
	}
	l := strings.SplitAfter(r.stdout, "\n") // l[0], l[1]: the results of lines 1 and 2, with "\n"
	cut1 := l[0][:15]                       // {"line":1,"ok":
	for name, results := range map[string]string{
		"glued to its copy":     cut1 + l[0] + l[1],
		"its copy on the next":  cut1 + "\n" + l[0] + l[1],
		"two results glued":     strings.TrimSuffix(l[0], "\n") + l[0] + l[1],
		"glued in the middle":   l[0] + l[1][:20] + l[1],
		"a cut last line, kept": l[0] + l[1] + l[1][:20],
	} {
		r := createRun(t, srv, creds, input, "--resume", writeFile(t, results))
		if r.code != exitOK || len(srv.Registrations()) != 2 || strings.Count(r.stdout, "done in a previous run") != 2 {
			t.Errorf("%s: exit %d, %d registrations (want 2), stdout %s, stderr %s", name, r.code, len(srv.Registrations()), r.stdout, r.stderr)
		}
	}
	for name, tt := range map[string]struct{ results, want string }{
		"a malformed line":            {cut1 + "\n" + l[1], "lines 1-2 of "},
		"glued to another result":     {cut1 + l[1], "line 1 of "},
		"a malformed line in between": {l[0] + `{"line":2,"ok":tr` + "\n" + `{"line":9,"ok":false}` + "\n", "lines 2-3 of "},
		"not JSON":                    {l[0] + "line 2\tid 2\tok\n", "line 2 of "},
	} {
		r := createRun(t, srv, creds, input, "--resume", writeFile(t, tt.results))
		checkOneLine(t, name, r, exitNothing, tt.want)
		if len(srv.Registrations()) != 2 {
			t.Fatalf("%s: %d registrations, want 2", name, len(srv.Registrations()))
		}
	}

	// The last line cut short, its input line marked by nothing else: refused, with the line
	// to write if that line took effect.
	results := writeFile(t, l[0]+l[1][:20])
	r = createRun(t, srv, creds, input, "--resume", results)
	var fix map[string]any
	json.Unmarshal([]byte(l[1]), &fix)
	want := fmt.Sprintf(`replace it with {"line":2,"ok":true,"op":%q,"params_digest":%q}`, opCreate.op.ID, fix["params_digest"])
	checkOneLine(t, "a cut last line", r, exitNothing, want)
	checkOneLine(t, "a cut last line", r, exitNothing, "the last line of "+results+" (line 2) is cut short: it may have marked input line 2 ok")
	_, written, _ := strings.Cut(r.stderr, "replace it with ")
	written, _, _ = strings.Cut(written, ", else")
	r = createRun(t, srv, creds, input, "--resume", writeFile(t, l[0]+written+"\n"))
	if r.code != exitOK || len(srv.Registrations()) != 2 {
		t.Errorf("with the line it names: exit %d, %d registrations, stderr %s", r.code, len(srv.Registrations()), r.stderr)
	}
	// Cut, for a line past the input's end: refused.
	r = createRun(t, srv, creds, createLines("g1"), "--resume", results)
	checkOneLine(t, "cut past the end", r, exitNothing, "is a result for input line 2, but the input ends at line 1")
	// Cut before its line number: refused too.
	r = createRun(t, srv, creds, input, "--resume", writeFile(t, l[0]+`{"li`))
	checkOneLine(t, "cut before its number", r, exitNothing, "it may have marked an input line ok")
	// Deleted: the line is sent again.
	r = createRun(t, srv, creds, input, "--resume", writeFile(t, l[0]))
	if r.code != exitOK || len(srv.Registrations()) != 3 {
		t.Errorf("the cut line deleted: exit %d, %d registrations (want 3), stderr %s", r.code, len(srv.Registrations()), r.stderr)
	}
}

// TestResumeNeedsJSON: --resume without --json would write results that no later --resume can
// read, so a create line could be created twice: refused with one line, nothing sent (a dry run,
// which sends nothing, may print text).
func TestResumeNeedsJSON(t *testing.T) {
	srv, creds := fake(t)
	input := createLines("t1", "t2")
	r := createRun(t, srv, creds, input)
	if r.code != exitOK {
		t.Fatalf("run 1: exit %d, stderr %s", r.code, r.stderr)
	}
	results := writeFile(t, r.stdout)
	args := []string{"create", "--batch", writeFile(t, input), "--credentials", creds, "--base-url", srv.URL, "--resume", results}
	r = runCLI(t, nil, args)
	checkOneLine(t, "--resume without --json", r, exitNothing, "--resume needs --json")
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	r = runCLI(t, nil, append(args, "--dry-run"))
	if r.code != exitOK || strings.Count(r.stdout, "skipped: done in a previous run") != 2 {
		t.Errorf("--dry-run: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}

// TestResumeMarkRefusesALineThatChanged: a line that differs from the one checkInput compared
// (the file changed while voxsip read it) is not sent, whatever its result says.
func TestResumeMarkRefusesALineThatChanged(t *testing.T) {
	for _, ok := range []bool{true, false} {
		rs := &resumeState{path: "r", marks: map[int][]mark{3: {{at: 1, digest: "aaaa", ok: ok}}}}
		j := job{line: 3, digest: "bbbb"}
		rs.mark(&j, opCreate, true)
		if j.bad == nil || j.skip != "" || !strings.Contains(j.bad.Error(), "not sent") {
			t.Errorf("ok=%v: bad %v, skip %q", ok, j.bad, j.skip)
		}
	}
}

// TestResumeCheckInterrupted: an interrupt while --resume waits for input lines to compare with
// the results (a pipe that sends nothing) ends the run at once, nothing sent.
func TestResumeCheckInterrupted(t *testing.T) {
	srv, creds := fake(t)
	r := createRun(t, srv, creds, createLines("i1"))
	if r.code != exitOK {
		t.Fatalf("run 1: exit %d, stderr %s", r.code, r.stderr)
	}
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	sigs := make(chan os.Signal, 1)
	sigs <- os.Interrupt
	r = runEnvCLI(t, &env{stdin: pr, sigs: sigs}, []string{"create", "--batch", "-", "--json", "--credentials", creds,
		"--base-url", srv.URL, "--resume", writeFile(t, r.stdout)})
	if r.code != exitNothing || !strings.Contains(r.stderr, "interrupted while --resume compared the input") || len(srv.Requests()) != 1 {
		t.Errorf("exit %d, %d requests, stderr %s", r.code, len(srv.Requests()), r.stderr)
	}
}

// fullDisk takes limit bytes, then fails as a full disk does: a write that does not fit is
// written in part.
type fullDisk struct {
	strings.Builder
	limit int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	room := d.limit - d.Len()
	if len(p) <= room {
		return d.Builder.Write(p)
	}
	d.Builder.Write(p[:max(room, 0)])
	return max(room, 0), syscall.ENOSPC
}

// TestCreateBatchResumesAfterAPartialWrite: a full disk cuts a result short mid-write; the
// results on standard error, appended as the batch says (glued to the cut piece), let --resume
// finish the batch with no line created twice, wherever the write was cut.
func TestCreateBatchResumesAfterAPartialWrite(t *testing.T) {
	input := createLines("p1", "p2", "p3", "p4")
	for _, limit := range []int{0, 1, 15, 40, 60, 95, 100} {
		srv, creds := fake(t)
		args := []string{"create", "--batch", writeFile(t, input), "--json", "--concurrency", "1", "--credentials", creds, "--base-url", srv.URL}
		out := &fullDisk{limit: limit}
		var stderr strings.Builder
		run(context.Background(), args, strings.NewReader(""), out, &stderr)
		results := out.String()
		for _, l := range strings.Split(stderr.String(), "\n") {
			if obj, ok := strings.CutPrefix(l, "voxsip: result not written: "); ok {
				results += obj + "\n"
			}
		}
		created := len(srv.Registrations())
		r := runCLI(t, nil, append(args, "--resume", writeFile(t, results)))
		if r.code != exitOK || len(srv.Registrations()) != 4 || created == 0 {
			t.Errorf("cut at byte %d: exit %d, %d then %d registrations (want 4, none twice), results %q, stderr %s",
				limit, r.code, created, len(srv.Registrations()), results, r.stderr)
		}
	}
}

// A params_digest never changes for the same parameters: results written by an earlier voxsip
// must still resume. These were printed by the first voxsip with params_digest; if a change to
// the digest is meant, it needs a new version in its first field ("voxsip params_digest 1").
func TestParamsDigestIsStable(t *testing.T) {
	for _, c := range []struct {
		o          operation
		line, want string
	}{
		{opUpdate, `{"sip_registration_id":7,"proxy":"sip.example","password":"s3cret","application_id":12}`, "b79d1725c626a1f7"},
		// The same parameters in another order, with another password: the same line.
		{opUpdate, `{"application_id":12,"password":"other","proxy":"sip.example","sip_registration_id":7}`, "b79d1725c626a1f7"},
		{opCreate, `{"sip_username":"alice","proxy":"pbx.example:5060","password":"x","is_persistent":false,"application_name":"app","user_name":"u"}`, "ca96ddde35bbe99f"},
		{opDelete, `{"sip_registration_id":1}`, "f7a7a7fae6293f41"},
	} {
		p, err := parseLine(c.o, []byte(c.line))
		if err != nil {
			t.Fatal(err)
		}
		if got := paramsDigest(c.o, p); got != c.want {
			t.Errorf("%s: params_digest %s, want %s", c.line, got, c.want)
		}
	}
}
