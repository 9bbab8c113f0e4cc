package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
)

// --resume: what a previous run's --json results say, and what it means for each line.

// resumeState is what a previous run's --json results say.
type resumeState struct {
	path string
	op   string // the operation of this run: results of another are refused
	// marks are the results that mark each input line ok or outcome unknown.
	marks map[int][]mark
	last  int       // the highest input line checkInput must read
	cut   *cutShort // a last result cut short that may matter, if any
}

// mark is one result that marks an input line ok or outcome unknown.
type mark struct {
	at     int    // its line in the results
	digest string // the params_digest of the input line it is for
	ok     bool   // ok; else outcome unknown
}

func (m mark) what() string {
	if m.ok {
		return "ok"
	}
	return "outcome unknown"
}

// done reports whether a result marks input line n ok.
func (rs *resumeState) done(n int) bool {
	return slices.ContainsFunc(rs.marks[n], func(m mark) bool { return m.ok })
}

// resultLine is what --resume reads of a result line.
type resultLine struct {
	Line           int    `json:"line"`
	OK             *bool  `json:"ok"`
	OutcomeUnknown bool   `json:"outcome_unknown"`
	DryRun         bool   `json:"dry_run"`
	Op             string `json:"op"`
	Digest         string `json:"params_digest"`
}

// loadResume reads a previous run's --json results for operation o. A --dry-run's results
// (checked, never sent) count for nothing. Refused, with nothing sent: what is not a result
// (text results, the input file), the results of another operation, results with no "op" (an
// older voxsip's or hand-written: they cannot be checked against the input), a line that marks
// a line ok or unknown without "params_digest", and a line cut short (see readResults).
func loadResume(path string, o operation) (*resumeState, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	defer f.Close()
	rs := &resumeState{path: path, op: o.op.ID, marks: map[int][]mark{}}
	cut, err := readResults(f, path, o.op.Idempotent, rs.add)
	if err == nil && cut != nil {
		err = rs.cutLast(o, *cut)
	}
	if err != nil {
		return nil, err
	}
	return rs, nil
}

// add takes one result object, at line at of the results.
func (rs *resumeState) add(at int, obj []byte) error {
	var r resultLine
	if json.Unmarshal(obj, &r) != nil || r.Line < 1 || r.OK == nil {
		return fmt.Errorf("--resume: line %d of %s is not a result: %s is not the --json output of a batch; nothing was sent", at, rs.path, rs.path)
	}
	switch {
	case r.Op == "":
		return fmt.Errorf("--resume: line %d of %s has no \"op\" and \"params_digest\" (written by an older voxsip, or by hand), "+
			"so it cannot be checked against the input line it is for; nothing was sent: finish with the voxsip that wrote "+
			"%s, or put the lines it does not mark \"ok\": true in a new input (those marked \"outcome_unknown\" only "+
			"after checking with 'voxsip list' that they did not take effect) and run that without --resume", at, rs.path, rs.path)
	case r.Op != rs.op:
		return fmt.Errorf("--resume: line %d of %s is a result of %s, not %s: give the results of this command's batch; "+
			"nothing was sent", at, rs.path, r.Op, rs.op)
	case r.DryRun || (!*r.OK && !r.OutcomeUnknown):
		return nil
	case r.Digest == "":
		return fmt.Errorf("--resume: line %d of %s marks input line %d ok or unknown but has no \"params_digest\", so it "+
			"cannot be checked against that line; nothing was sent: give it the params_digest that "+
			"'--dry-run --json' prints for that line", at, rs.path, r.Line)
	}
	rs.marks[r.Line] = append(rs.marks[r.Line], mark{at: at, digest: r.Digest, ok: *r.OK})
	rs.last = max(rs.last, r.Line)
	return nil
}

// cutShort is a results file's last line, cut short (the run was stopped while writing it).
type cutShort struct {
	at   int // its line in the results
	line int // the input line it names (0: cut before its number)
}

// cutLast decides about the results' last line, cut short: for an idempotent operation it is
// passed over (its input line is sent again, which does no harm); for one that is not
// (create) it may have marked its input line ok or outcome unknown, and sending that line again
// could do it twice, so the run is refused (in checkInput, to name the result to write) unless
// another result marks that input line already.
func (rs *resumeState) cutLast(o operation, c cutShort) error {
	switch {
	case o.op.Idempotent:
		return nil
	case c.line == 0:
		return c.refuse(rs.path, rs.op, "")
	}
	rs.cut = &c
	rs.last = max(rs.last, c.line)
	return nil
}

// refuse says what to do about a cut-short last result; digest is its input line's params_digest
// if known.
func (c *cutShort) refuse(path, opID, digest string) error {
	line := "input line " + strconv.Itoa(c.line)
	if c.line == 0 {
		line = "an input line"
	}
	fix := `replace it with that line's result from '--dry-run --json' with "ok": true and no "dry_run"`
	if digest != "" {
		fix = fmt.Sprintf(`replace it with {"line":%d,"ok":true,"op":%q,"params_digest":%q}`, c.line, opID, digest)
	}
	return fmt.Errorf("--resume: the last line of %s (line %d) is cut short: it may have marked %s ok or its outcome "+
		"unknown, and %s is not idempotent; nothing was sent: check with 'voxsip list' whether it took effect; if it "+
		"did, %s, else delete that line to send it again", path, c.at, line, opID, fix)
}

// checkResumeIsNotOutput refuses --resume FILE when FILE is also standard output and empty:
// '--resume r.jsonl > r.jsonl' has the shell empty the results before voxsip reads them, and
// every line would be sent again (for create, a second registration and fee each). Appending
// (>>) leaves the results to read and is allowed.
func (c *cli) checkResumeIsNotOutput(path string) error {
	w := c.stdout
	if cw, ok := w.(*checkedWriter); ok {
		w = cw.w
	}
	out, ok := w.(*os.File)
	if !ok {
		return nil
	}
	ofi, err := out.Stat()
	if err != nil {
		return nil
	}
	rfi, err := os.Stat(path)
	if err != nil {
		return nil // loadResume says what is wrong
	}
	if os.SameFile(ofi, rfi) && rfi.Size() == 0 {
		return fmt.Errorf("--resume: %s is also standard output, and it was emptied (> %s) before voxsip could read it, "+
			"so every line would be sent again; nothing was sent: write the results to another file, or append with >>", path, path)
	}
	return nil
}

// mark says what the previous run's results mean for j: skipped when done; held back when its
// outcome is unknown and the operation is not idempotent, unless acceptUnknown. checkInput has
// compared those lines with their results; a line that differs now changed while voxsip read it.
func (rs *resumeState) mark(j *job, o operation, acceptUnknown bool) {
	if rs == nil || len(rs.marks[j.line]) == 0 {
		return
	}
	if j.bad == nil && j.digest != rs.marks[j.line][0].digest {
		j.bad = fmt.Errorf("it changed after --resume compared it with %s (while voxsip read it): not sent", rs.path)
	}
	switch {
	case j.bad != nil:
	case rs.done(j.line):
		j.skip = "done in a previous run"
	case !o.op.Idempotent && !acceptUnknown:
		j.held = fmt.Errorf("not sent again: its outcome in a previous run is unknown and %s is not idempotent; "+
			"check with 'voxsip list', then mark the line \"ok\": true in the results or rerun with --resume-accept-unknown", o.op.ID)
	}
}
