package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/jsonerr"
)

// Batch limits.
const (
	maxConcurrency = 256
	minRPS         = 0.001 // one request every 1000 s
	maxRPS         = 10000
	maxLine        = 1 << 20 // a longer line is reported bad and skipped
	// maxDrain is how much of a too-long line is read to find its end: past it the input is
	// taken to be no JSON Lines at all (/dev/zero) and reading stops with an error.
	maxDrain = 64 << 20
	// maxNetFailures consecutive requests that cannot reach the API stop a batch.
	maxNetFailures = 10
)

const batchHelp = `Batches: --batch FILE (or - for standard input) holds JSON Lines, one object per line with the
API's parameter names (the password included, as "password"). The input is read once, as a
stream; blank lines are skipped and a UTF-8 byte order mark is ignored. A bad line (not JSON,
unknown field, broken rule, longer than 1 MiB) is reported with its number and skipped. One
result line per line is printed in input order ("line N ..." or, with --json, an object with
"line", "ok" and "error"). --resume RESULTS skips the lines a previous run's --json results
mark ok and redoes the others. After 10 requests in a row fail to reach the API the batch stops
early. Ctrl-C finishes the requests in flight and sends nothing new; a second Ctrl-C (or SIGTERM)
stops at once and names the lines whose outcome is unknown.`

// batchFlags are the flags of a command that takes --batch.
type batchFlags struct {
	file        string
	concurrency int
	rps         float64
	resume      string
}

func (bf *batchFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&bf.file, "batch", "", "send one request per line of `FILE` (JSON Lines; - for standard input)")
	cmd.Flags().IntVar(&bf.concurrency, "concurrency", 4, fmt.Sprintf("with --batch: `N` requests in flight at once (1 to %d)", maxConcurrency))
	cmd.Flags().Float64Var(&bf.rps, "rps", 0, fmt.Sprintf("with --batch: at most `R` requests per second (%g to %d; 0: no limit)", minRPS, maxRPS))
	cmd.Flags().StringVar(&bf.resume, "resume", "", "with --batch: skip the lines that a previous run's --json results in `FILE` mark ok")
}

// check validates the batch flags: every bad value is a usage error naming the allowed range.
func (bf *batchFlags) check() error {
	if bf.concurrency < 1 || bf.concurrency > maxConcurrency {
		return usagef("--concurrency must be between 1 and %d, got %d", maxConcurrency, bf.concurrency)
	}
	if math.IsNaN(bf.rps) || math.IsInf(bf.rps, 0) || bf.rps < 0 || (bf.rps > 0 && bf.rps < minRPS) || bf.rps > maxRPS {
		return usagef("--rps must be 0 (no limit) or a number from %g to %d, got %v", minRPS, maxRPS, bf.rps)
	}
	return nil
}

// interval is the time between requests for --rps (0: no limit).
func (bf *batchFlags) interval() time.Duration {
	if bf.rps == 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / bf.rps)
}

// rawLine is one non-blank line of the input.
type rawLine struct {
	n       int // line number, from 1
	text    []byte
	tooLong bool
	err     error // a read error: the input ends here
}

// readLines streams r once, line by line: a line longer than maxLine is drained and reported
// tooLong, and one longer than maxDrain ends the input with an error. A BOM at the start is dropped, blank lines are skipped. It
// stops when emit returns false.
func readLines(r io.Reader, emit func(rawLine) bool) { scanLines(r, true, emit) }

// scanLines is readLines; without drain, a line longer than maxLine is reported tooLong as soon
// as it is seen, and reading stops there (for inputs that are not worth reading to the end).
func scanLines(r io.Reader, drain bool, emit func(rawLine) bool) {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		var buf []byte
		total, tooLong := 0, false
		var err error
		for {
			var frag []byte
			frag, err = br.ReadSlice('\n')
			total += len(frag)
			if total > maxDrain && errors.Is(err, bufio.ErrBufferFull) {
				emit(rawLine{n: n, err: fmt.Errorf("line %d is longer than %d MiB with no end yet: is this JSON Lines?", n, maxDrain>>20)})
				return
			}
			if !tooLong {
				if len(buf)+len(frag) > maxLine+2 { // room for "\r\n"
					tooLong, buf = true, nil
					if !drain {
						emit(rawLine{n: n, tooLong: true})
						return
					}
				} else {
					buf = append(buf, frag...)
				}
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			emit(rawLine{n: n, err: err})
			return
		}
		if total == 0 && err != nil { // EOF right after the last newline
			return
		}
		buf = bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r"))
		if n == 1 {
			buf = bytes.TrimPrefix(buf, []byte("\xEF\xBB\xBF"))
		}
		if tooLong || len(bytes.TrimSpace(buf)) > 0 {
			if !emit(rawLine{n: n, text: buf, tooLong: tooLong}) {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// parseLine decodes one JSON object with the operation's API parameter names and checks the
// API's rules. Errors never quote the line (it may hold a password).
func parseLine(o operation, raw []byte) (any, error) {
	p := o.op.New()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return p, errors.New(jsonerr.Describe(err))
	}
	if dec.More() {
		return p, errors.New("more than one JSON value on the line")
	}
	return p, o.validate(p)
}

// registrationID returns p's sip_registration_id, or 0.
func registrationID(o operation, p any) int64 {
	if p == nil {
		return 0
	}
	v, _ := o.op.Text(p, "sip_registration_id")
	id, _ := strconv.ParseInt(v, 10, 64)
	return id
}

// resumeState is what a previous run's --json results say.
type resumeState struct {
	done    map[int]bool // lines that succeeded
	unknown map[int]bool // lines whose outcome is unknown
}

// loadResume reads a previous run's --json results. Lines that are not result objects (a line
// cut short when the run was killed) are ignored: their input lines are done again.
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
			Line           int  `json:"line"`
			OK             bool `json:"ok"`
			OutcomeUnknown bool `json:"outcome_unknown"`
		}
		if json.Unmarshal(rl.text, &r) != nil || r.Line < 1 {
			return true
		}
		switch {
		case r.OK:
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
	out, ok := c.stdout.(*os.File)
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

// job is one line on its way; outcome is what became of it.
type job struct {
	seq  int // position among the lines with a result, for printing in input order
	line int
	p    any
	bad  error  // the line could not be used; nothing was sent for it
	skip string // not sent, and why (resumed)
}

type outcome struct {
	job
	id      int64
	err     error
	unknown bool // the request may or may not have taken effect
}

// errServiceDown stops a batch when the API cannot be reached.
type errServiceDown struct{ last error }

func (e *errServiceDown) Error() string {
	return fmt.Sprintf("%d requests in a row could not reach the API (last: %s)", maxNetFailures, oneLine(e.last.Error()))
}

// isNetFailure reports whether err says the service could not be reached or is down (no API
// answer): connection errors, timeouts, 5xx.
func isNetFailure(err error) bool {
	var (
		ae *api.Error
		ve *api.ValidationError
		re *api.ResponseError
	)
	switch {
	case err == nil, errors.As(err, &ae), errors.As(err, &ve), errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &re):
		return re.StatusCode >= 500
	}
	return true
}

// runBatch sends one request per line of bf.file; see batchHelp.
func (c *cli) runBatch(o operation, cf *commonFlags, bf *batchFlags) error {
	if err := bf.check(); err != nil {
		return err
	}
	if err := cf.check(); err != nil {
		return err
	}
	var rs *resumeState
	if bf.resume != "" {
		if err := c.checkResumeIsNotOutput(bf.resume); err != nil {
			return err
		}
		var err error
		if rs, err = loadResume(bf.resume); err != nil {
			return err
		}
	}
	in := c.stdin
	if bf.file != "-" {
		f, err := os.Open(bf.file)
		if err != nil {
			return fmt.Errorf("--batch: %w", err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return fmt.Errorf("--batch: %s is a directory", bf.file)
		}
		in = f
	}
	// Each request's context has the --timeout deadline for all its attempts (send), which is
	// never later than an attempt's own: a second timer per request would never fire first.
	cl, err := c.newClient(cf, bf.concurrency, 0)
	if err != nil {
		return err
	}
	defer cl.CloseIdleConnections()
	b := &batch{c: c, o: o, cl: cl, cf: cf, bf: bf, rs: rs}
	return b.run(in)
}

type batch struct {
	c  *cli
	o  operation
	cl *api.Client
	cf *commonFlags
	bf *batchFlags
	rs *resumeState

	netFailures atomic.Int64
	mu          sync.Mutex
	lastRead    int  // the last line number taken from the input
	readAll     bool // the input was read to its end
	complete    bool // every line of the input was dispatched (read to its end, none left behind)
	readErr     error

	// Results print as they come, by whichever goroutine has one, in input order: pmu guards
	// the ring of results waiting for an earlier one, the counts and the output.
	pmu                      sync.Mutex
	window                   chan struct{}
	pending                  []outcome
	waiting                  []bool
	next                     int
	ok, skipped, failed, bad int
	unknown                  []int
	bar                      *progressbar.ProgressBar
	out                      []byte // print's buffer
}

// deliver takes the result of one line and prints every result now due, in input order.
func (b *batch) deliver(r outcome) {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	b.pending[r.seq%len(b.pending)], b.waiting[r.seq%len(b.pending)] = r, true
	for b.waiting[b.next%len(b.pending)] {
		i := b.next % len(b.pending)
		r := b.pending[i]
		b.pending[i], b.waiting[i] = outcome{}, false
		b.next++
		<-b.window
		switch {
		case r.skip != "" && r.bad == nil:
			b.skipped++
		case r.bad != nil:
			b.bad++
		case r.err != nil:
			b.failed++
			if r.unknown {
				b.unknown = append(b.unknown, r.line)
			}
		default:
			b.ok++
		}
		b.print(r)
		if b.bar != nil {
			b.bar.Add(1)
		}
	}
}

func (b *batch) run(in io.Reader) error {
	c := b.c
	stop, stopCause := context.WithCancelCause(c.ctx)
	defer stopCause(nil)

	lines := make(chan rawLine, 16)
	jobs := make(chan job)
	window := make(chan struct{}, 4*b.bf.concurrency+64) // bounds the lines waiting to print
	var wg sync.WaitGroup

	if c.tty {
		b.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(c.stderr), progressbar.OptionSetDescription(b.o.verb),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	}
	// The lines waiting to print: a line takes a window slot before it gets its seq and gives
	// it back once printed, so the seqs waiting are fewer than cap(window) apart and a ring of
	// that size holds each in its own place.
	b.pending = make([]outcome, cap(window))
	b.waiting = make([]bool, cap(window))
	b.window = window

	go func() {
		defer close(lines)
		eof := true
		readLines(in, func(rl rawLine) bool {
			select {
			case lines <- rl:
				return true
			case <-stop.Done():
				eof = false
				return false
			}
		})
		b.mu.Lock()
		b.readAll = eof
		b.mu.Unlock()
	}()
	for range b.bf.concurrency {
		wg.Go(func() {
			for j := range jobs {
				b.deliver(b.send(j, stopCause))
			}
		})
	}
	wg.Go(func() {
		defer close(jobs)
		b.dispatch(stop, lines, jobs, window)
	})
	wg.Wait()
	if b.bar != nil {
		b.bar.Finish()
	}
	ok, skipped, failed, bad, unknown := b.ok, b.skipped, b.failed, b.bad, b.unknown

	b.mu.Lock()
	complete, lastRead, readErr := b.complete, b.lastRead, b.readErr
	b.mu.Unlock()
	summary := fmt.Sprintf("%d lines: %d ok, %d failed, %d bad", ok+skipped+failed+bad, ok, failed, bad)
	if skipped > 0 {
		summary += fmt.Sprintf(", %d done before (--resume)", skipped)
	}
	var problems []string
	if len(unknown) > 0 {
		problems = append(problems, fmt.Sprintf("the outcome of line%s %s is unknown", plural(len(unknown)), joinInts(unknown)))
	}
	notSent := fmt.Sprintf("the lines after line %d were not sent (rerun with --json output and --resume to finish)", lastRead)
	var down *errServiceDown
	switch cause := context.Cause(stop); {
	case readErr != nil:
		problems = append(problems, fmt.Sprintf("reading the input after line %d failed: %s", lastRead, readErr))
	case errors.As(cause, &down):
		problems = append(problems, "stopped early: "+down.Error()+"; "+notSent)
	case c.hard.Err() != nil:
		problems = append(problems, "stopped at once; "+notSent)
	case c.ctx.Err() != nil && !complete:
		problems = append(problems, "interrupted; "+notSent)
	}
	if len(problems) == 0 && failed+bad == 0 {
		fmt.Fprintf(c.stderr, "batch: %s\n", summary)
		return nil
	}
	fmt.Fprintf(c.stderr, "voxsip: batch: %s\n", strings.Join(append([]string{summary}, problems...), "; "))
	return errReported
}

// dispatch turns input lines into jobs (or straight into results for bad and resumed lines),
// pacing requests for --rps, until the input ends or stop is cancelled.
func (b *batch) dispatch(stop context.Context, lines <-chan rawLine, jobs chan<- job, window chan struct{}) {
	var tick <-chan time.Time
	if d := b.bf.interval(); d > 0 {
		newTicker := b.c.newTicker
		if newTicker == nil {
			newTicker = func(d time.Duration) (<-chan time.Time, func()) {
				t := time.NewTicker(d)
				return t.C, t.Stop
			}
		}
		var stopTicker func()
		tick, stopTicker = newTicker(d)
		defer stopTicker()
	}
	seq, first := 0, true
	for {
		var rl rawLine
		var more bool
		select {
		case rl, more = <-lines:
		case <-stop.Done():
			return
		}
		if !more {
			b.mu.Lock()
			b.complete = b.readAll // the reader sets readAll before it closes lines
			b.mu.Unlock()
			return
		}
		if rl.err != nil {
			b.mu.Lock()
			b.readErr = rl.err
			b.mu.Unlock()
			return
		}
		select {
		case window <- struct{}{}:
		case <-stop.Done():
			return
		}
		j := job{line: rl.n}
		switch {
		case rl.tooLong:
			j.bad = fmt.Errorf("longer than %d bytes", maxLine)
		default:
			j.p, j.bad = parseLine(b.o, rl.text)
		}
		if b.rs != nil && b.rs.done[rl.n] {
			j.skip = "done in a previous run"
		} else if b.rs != nil && b.rs.unknown[rl.n] && !b.o.op.Idempotent && j.bad == nil {
			j.bad = fmt.Errorf("not sent again: its outcome in the previous run is unknown and %s is not idempotent; "+
				"check with 'voxsip list', then drop the line or rerun it without --resume", b.o.op.ID)
		}
		if j.bad == nil && j.skip == "" {
			if tick != nil && !first {
				select {
				case <-tick:
				case <-stop.Done():
					<-window
					return
				}
			}
			first = false
			j.seq = seq
			select {
			case jobs <- j:
			case <-stop.Done():
				<-window
				return
			}
		} else {
			j.seq = seq
			b.deliver(outcome{job: j, id: registrationID(b.o, j.p)})
		}
		seq++
		b.mu.Lock()
		b.lastRead = rl.n
		b.mu.Unlock()
	}
}

// send makes one request, on a context that the first interrupt does not cancel (in-flight
// requests finish) but a second one does.
func (b *batch) send(j job, stopCause context.CancelCauseFunc) outcome {
	ctx, cancel := context.WithTimeout(b.c.hard, b.cf.timeout)
	id, _, err := b.o.send(ctx, b.cl, j.p)
	cancel()
	if id == 0 {
		id = registrationID(b.o, j.p)
	}
	out := outcome{job: j, id: id, err: err}
	if err != nil {
		out.unknown = errors.Is(err, api.ErrOutcomeUnknown) || (b.c.hard.Err() != nil && errors.Is(err, context.Canceled))
	}
	if isNetFailure(err) {
		if b.netFailures.Add(1) >= maxNetFailures {
			stopCause(&errServiceDown{last: err})
		}
	} else {
		b.netFailures.Store(0)
	}
	return out
}

// print writes one result line.
func (b *batch) print(r outcome) {
	err := r.err
	if r.bad != nil {
		err = fmt.Errorf("bad line: %w", r.bad)
	}
	if b.cf.json {
		if err == nil && r.skip == "" && !r.unknown {
			// The common case, written without reflection: the bytes json.Marshal gives the
			// map below ({"line":N,"ok":true} plus "sip_registration_id" when known).
			buf := append(b.out[:0], `{"line":`...)
			buf = strconv.AppendInt(buf, int64(r.line), 10)
			buf = append(buf, `,"ok":true`...)
			if r.id != 0 {
				buf = append(buf, `,"sip_registration_id":`...)
				buf = strconv.AppendInt(buf, r.id, 10)
			}
			buf = append(buf, "}\n"...)
			b.out = buf
			b.c.stdout.Write(buf)
			return
		}
		printJSON(b.c.stdout, resultJSON(r, err))
		return
	}
	id := "-"
	if r.id != 0 {
		id = strconv.FormatInt(r.id, 10)
	}
	outcome := "ok"
	switch {
	case err != nil:
		outcome = oneLine(err.Error())
		if r.unknown {
			outcome = "OUTCOME UNKNOWN: " + outcome
		}
	case r.skip != "":
		outcome = "skipped: " + r.skip
	}
	fmt.Fprintf(b.c.stdout, "line %d\tid %s\t%s\n", r.line, id, outcome)
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

// resultJSON is a --json result line's object: what the fast path in print writes for a success,
// and what every other result is marshalled from.
func resultJSON(r outcome, err error) map[string]any {
	m := map[string]any{"line": r.line, "ok": err == nil}
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
	return m
}
