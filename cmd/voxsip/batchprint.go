package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/voxsip/voxsip/api"
)

// The last stage of a batch: each line's result printed in input order, every write checked,
// and the summary.

// tally counts the results printed.
type tally struct {
	ok, skipped, failed, bad, checked int
	unknown                           []int // lines whose outcome is unknown
}

func (t *tally) add(r outcome) {
	switch {
	case r.skip != "" && r.bad == nil:
		t.skipped++
	case r.bad != nil:
		t.bad++
	case r.checked:
		t.checked++
	case r.err != nil:
		t.failed++
		if r.unknown {
			t.unknown = append(t.unknown, r.line)
		}
	default:
		t.ok++
	}
}

// errOutput stops a batch whose results cannot be written.
type errOutput struct {
	line int
	err  error
}

func (e *errOutput) Error() string {
	return fmt.Sprintf("writing the results to standard output failed at line %d (%s), so the batch stopped; "+
		"the results of line %d and after are on standard error (with --json, append them to the results without "+
		"the \"voxsip: result not written: \" prefix before --resume)", e.line, oneLine(e.err.Error()), e.line)
}

// flushAt is how many bytes of results the printer gathers, at most, before it writes them.
const flushAt = 64 << 10

// pendingResult is a result in the printer's buffer: it ends at byte end.
type pendingResult struct {
	outcome
	end int
}

// printAll prints the result of each slot in turn, waiting for it, until the feeder closes
// slots or stop is cancelled: then it takes the slots handed out so far (closeSlots) and prints
// theirs, without waiting for a feeder that may be stuck in a read. Results that are in together
// are written together (one write for every result that came in while the printer was busy, up
// to flushAt bytes), and nothing waits in the buffer while the printer waits: before each wait it
// writes what it holds. After a failed write it stops the batch and prints the results not
// written, and those still coming (requests in flight), to standard error, so that nothing sent
// goes unreported.
func (b *batch) printAll(stop context.Context, slots <-chan chan outcome, stopCause context.CancelCauseFunc) {
	defer b.flush(stopCause)
	for {
		var slot chan outcome
		var more bool
		select {
		case slot, more = <-slots:
		default:
			b.flush(stopCause) // the next line is not handed out yet
			select {
			case slot, more = <-slots:
			case <-stop.Done():
				b.closeSlots(slots, stopCause)
				return
			}
		}
		if !more {
			return
		}
		b.print(slot, stopCause)
	}
}

// closeSlots takes no more slots from the feeder and prints the results of those it has handed
// out already (requests in flight finish).
func (b *batch) closeSlots(slots <-chan chan outcome, stopCause context.CancelCauseFunc) {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	for {
		select {
		case slot, more := <-slots:
			if !more {
				return
			}
			b.print(slot, stopCause)
		default:
			return
		}
	}
}

// print waits for slot's result and queues it; a slot closed empty is a line never sent.
func (b *batch) print(slot chan outcome, stopCause context.CancelCauseFunc) {
	if len(slot) == 0 {
		b.flush(stopCause) // its result is not in yet
	}
	r, ok := <-slot
	if !ok {
		return // never sent: the batch was stopped
	}
	b.lastRead = r.line
	b.tally.add(r)
	if b.bar != nil {
		b.bar.Add(1)
	}
	b.queue(r, stopCause)
}

// queue adds r to the results to write (to standard error once a write has failed).
func (b *batch) queue(r outcome, stopCause context.CancelCauseFunc) {
	if b.writeErr != nil {
		fmt.Fprintf(b.c.stderr, "voxsip: result not written: %s", b.notWritten(r))
		return
	}
	b.out = b.appendResult(b.out, r)
	b.pending = append(b.pending, pendingResult{r, len(b.out)})
	if len(b.out) >= flushAt {
		b.flush(stopCause)
	}
}

// flush writes the results gathered. A write that fails (or takes only part) stops the batch;
// every result it did not write whole goes to standard error, the first named in the error.
func (b *batch) flush(stopCause context.CancelCauseFunc) {
	if len(b.pending) == 0 {
		return
	}
	n, err := b.c.stdout.Write(b.out)
	if err == nil && n < len(b.out) {
		err = io.ErrShortWrite
	}
	if err != nil {
		for _, p := range b.pending {
			if p.end <= n {
				continue // written whole
			}
			if b.writeErr == nil {
				b.writeErr = &errOutput{line: p.line, err: err}
				stopCause(b.writeErr)
			}
			fmt.Fprintf(b.c.stderr, "voxsip: result not written: %s", b.notWritten(p.outcome))
		}
	}
	b.out, b.pending = b.out[:0], b.pending[:0]
}

// notWritten is a result that standard output did not take, for standard error: with --json the
// result object, which can be appended to the results for --resume (so that a create that was
// sent is not sent again), else the text line.
func (b *batch) notWritten(r outcome) string {
	return string(b.appendResult(nil, r))
}

// appendResult appends r's result line to buf.
func (b *batch) appendResult(buf []byte, r outcome) []byte {
	if !b.cf.json {
		return append(buf, b.text(r)...)
	}
	if r.err == nil && r.bad == nil && r.skip == "" && !r.unknown && !r.checked {
		// The common case, written without reflection: the bytes json.Marshal gives the map of
		// resultJSON ({"line":N,"ok":true,"op":…,"params_digest":…} plus "sip_registration_id"
		// when known). The op ID and the hex digest need no escaping.
		buf = append(buf, `{"line":`...)
		buf = strconv.AppendInt(buf, int64(r.line), 10)
		buf = append(buf, `,"ok":true,"op":"`...)
		buf = append(buf, b.o.op.ID...)
		buf = append(buf, '"')
		if r.digest != "" {
			buf = append(buf, `,"params_digest":"`...)
			buf = append(buf, r.digest...)
			buf = append(buf, '"')
		}
		if r.id != 0 {
			buf = append(buf, `,"sip_registration_id":`...)
			buf = strconv.AppendInt(buf, r.id, 10)
		}
		return append(buf, "}\n"...)
	}
	out, err := appendJSON(buf, resultJSON(r, r.error(), b.o.op.ID))
	if err != nil { // no value of resultJSON fails to marshal; the text line stands in
		return append(buf, b.text(r)...)
	}
	return out
}

// error is the line's error as printed: a bad line's says so.
func (r outcome) error() error {
	if r.bad != nil {
		return fmt.Errorf("bad line: %w", r.bad)
	}
	return r.err
}

// text is a result line for people.
func (b *batch) text(r outcome) string {
	id := "-"
	if r.id != 0 {
		id = strconv.FormatInt(r.id, 10)
	}
	outcome := "ok"
	switch err := r.error(); {
	case err != nil:
		outcome = oneLine(err.Error())
		if r.unknown {
			outcome = "OUTCOME UNKNOWN: " + outcome
		}
	case r.skip != "":
		outcome = "skipped: " + r.skip
	case r.checked:
		outcome = "valid (dry run: not sent)"
	}
	return fmt.Sprintf("line %d\tid %s\t%s\n", r.line, id, outcome)
}

// resultJSON is a --json result line's object: what the fast path in print writes for a success,
// and what every other result is marshalled from. "op" (the operation) and "params_digest" (see
// paramsDigest; none for a line that could not be parsed) say which input line it is for, so
// that --resume can refuse results that are not this input's.
func resultJSON(r outcome, err error, opID string) map[string]any {
	m := map[string]any{"line": r.line, "ok": err == nil, "op": opID}
	if r.digest != "" {
		m["params_digest"] = r.digest
	}
	if r.id != 0 {
		m["sip_registration_id"] = r.id
	}
	if r.skip != "" && r.bad == nil {
		m["skipped"] = r.skip
	}
	if err != nil {
		m["error"] = oneLine(err.Error())
		var ae *api.Error
		if errors.As(err, &ae) {
			m["code"] = int(ae.Code)
		}
	}
	if r.bad != nil {
		m["bad_line"] = true
	}
	if r.unknown {
		m["outcome_unknown"] = true
	}
	if r.checked {
		m["dry_run"] = true
	}
	return m
}

// summary prints the counts and what went wrong on standard error; cause is why the batch
// stopped early, if it did. A failed write of the results is said whatever stopped the batch
// first: its results are on standard error, to be appended before --resume.
func (b *batch) summary(cause error) error {
	c, t := b.c, b.tally
	summary := fmt.Sprintf("%d lines: %d ok, %d failed, %d bad", t.ok+t.skipped+t.failed+t.bad, t.ok, t.failed, t.bad)
	if b.bf.dryRun {
		summary = fmt.Sprintf("dry run: %d lines: %d valid, %d bad", t.checked+t.skipped+t.failed+t.bad, t.checked, t.bad)
	}
	if t.skipped > 0 {
		summary += fmt.Sprintf(", %d done before (--resume)", t.skipped)
	}
	if b.bf.dryRun && t.failed > 0 {
		summary += fmt.Sprintf(", %d held back (outcome unknown)", t.failed)
	}
	problems := b.problems(cause)
	ok := len(problems) == 0 && t.failed+t.bad == 0
	if b.bf.dryRun {
		problems = append(problems, "nothing was sent")
	}
	msg := strings.Join(append([]string{summary}, problems...), "; ")
	if ok {
		fmt.Fprintf(c.stderr, "batch: %s\n", msg)
		return nil
	}
	fmt.Fprintf(c.stderr, "voxsip: batch: %s\n", msg)
	return errReported
}

// problems says what went wrong besides the lines' own failures: lines whose outcome is unknown,
// a failed write of the results, and why the batch stopped before the end of its input.
func (b *batch) problems(cause error) []string {
	c, t := b.c, b.tally
	var problems []string
	if len(t.unknown) > 0 {
		problems = append(problems, fmt.Sprintf("the outcome of line%s %s is unknown", plural(len(t.unknown)), joinInts(t.unknown)))
	}
	if b.writeErr != nil {
		problems = append(problems, b.writeErr.Error())
	}
	notSent := fmt.Sprintf("the lines after line %d were not sent (rerun with --json output and --resume to finish)", b.lastRead)
	if b.bf.dryRun {
		notSent = fmt.Sprintf("the lines after line %d were not checked", b.lastRead)
	}
	var down *errServiceDown
	switch {
	case b.readErr != nil:
		problems = append(problems, fmt.Sprintf("reading the input after line %d failed: %s", b.lastRead, b.readErr))
	case errors.As(cause, &down):
		problems = append(problems, "stopped early: "+down.Error()+"; "+notSent)
	case c.hard.Err() != nil:
		problems = append(problems, "stopped at once; "+notSent)
	case c.ctx.Err() != nil && !b.complete:
		problems = append(problems, "interrupted; "+notSent)
	case b.writeErr != nil && !b.complete:
		problems = append(problems, notSent)
	}
	return problems
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func joinInts(xs []int) string {
	slices.Sort(xs)
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
