package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// --resume: what a previous run's --json results say, and what it means for each line.

// resumeState is what a previous run's --json results say.
type resumeState struct {
	done    map[int]bool // lines that succeeded
	unknown map[int]bool // lines whose outcome is unknown
}

// loadResume reads a previous run's --json results. A line cut short when a run was killed (an
// object whose JSON does not end) and a --dry-run's results (checked, never sent) are ignored:
// their input lines are done again. Anything else that is not a result object (text results,
// the input file) refuses the file: it would mark nothing done and send every line again.
func loadResume(path string) (*resumeState, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	defer f.Close()
	rs := &resumeState{done: map[int]bool{}, unknown: map[int]bool{}}
	var readErr error
	scanLines(f, false, func(rl rawLine) bool {
		if rl.err != nil {
			readErr = rl.err
			return false
		}
		if rl.tooLong {
			readErr = fmt.Errorf("line %d is longer than %d bytes: %s is not the --json output of a batch", rl.n, maxLine, path)
			return false
		}
		var r struct {
			Line           int   `json:"line"`
			OK             *bool `json:"ok"`
			OutcomeUnknown bool  `json:"outcome_unknown"`
			DryRun         bool  `json:"dry_run"`
		}
		text := bytes.TrimSpace(rl.text)
		if bytes.HasPrefix(text, []byte("{")) && !json.Valid(text) {
			return true // cut short
		}
		if json.Unmarshal(text, &r) != nil || r.Line < 1 || r.OK == nil {
			readErr = fmt.Errorf("line %d of %s is not a result: %s is not the --json output of a batch; nothing was sent", rl.n, path, path)
			return false
		}
		if r.DryRun {
			return true
		}
		switch {
		case *r.OK:
			rs.done[r.Line] = true
			delete(rs.unknown, r.Line)
		case r.OutcomeUnknown && !rs.done[r.Line]:
			rs.unknown[r.Line] = true
		}
		return true
	})
	if readErr != nil {
		return nil, fmt.Errorf("--resume: %w", readErr)
	}
	return rs, nil
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
// outcome is unknown and the operation is not idempotent, unless acceptUnknown.
func (rs *resumeState) mark(j *job, o operation, acceptUnknown bool) {
	switch {
	case rs == nil:
	case rs.done[j.line]:
		j.skip = "done in a previous run"
	case rs.unknown[j.line] && !o.op.Idempotent && j.bad == nil && !acceptUnknown:
		j.held = fmt.Errorf("not sent again: its outcome in a previous run is unknown and %s is not idempotent; "+
			"check with 'voxsip list', then mark the line \"ok\": true in the results or rerun with --resume-accept-unknown", o.op.ID)
	}
}
