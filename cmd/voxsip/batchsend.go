package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/voxsip/voxsip/api"
)

// A batch is a pipeline: read (one goroutine: lines parsed into jobs) → dispatch (one: a result
// slot per line, in input order, on a bounded channel; pacing; jobs to the senders) → send
// (--concurrency goroutines: each fills its job's slot) → print (the caller: each slot in turn).

type batch struct {
	c  *cli
	o  operation
	cl *api.Client
	cf *commonFlags
	bf *batchFlags
	rs *resumeState

	netFailures atomic.Int64

	// The reader's: the first line of each registration a create line makes (checkDuplicate).
	firstLine map[regDigest]int

	// Set by the reader before it closes its channel, read by the dispatcher after.
	readAll bool // the input was read to its end
	// Set by the dispatcher before it closes the slots, read by the printer after.
	lastRead int   // the last line number taken from the input
	complete bool  // every line of the input was dispatched (read to its end, none left behind)
	readErr  error // reading the input failed

	// The printer's.
	tally
	bar      *progressbar.ProgressBar
	out      []byte          // results gathered to write (flush)
	pending  []pendingResult // the results in out
	writeErr *errOutput      // the first failed write of a result
}

// read is a line of the input, parsed (or the error that ends the input).
type read struct {
	j   job
	err error
}

func (b *batch) run(in io.Reader) error {
	stop, stopCause := context.WithCancelCause(b.c.ctx)
	defer stopCause(nil)
	if b.c.tty {
		b.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(b.c.stderr), progressbar.OptionSetDescription(b.o.verb),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	}
	lines := make(chan read, 16)
	jobs := make(chan job)
	// The slots of the lines between the printer and the reader: the bound on how far ahead of
	// the oldest line still in flight the batch reads.
	slots := make(chan chan outcome, 4*b.bf.concurrency+64)

	go b.read(stop, in, lines)
	var wg sync.WaitGroup
	for range b.bf.concurrency {
		wg.Go(func() {
			for j := range jobs {
				j.slot <- b.send(j, stopCause)
			}
		})
	}
	go func() {
		defer close(slots)
		defer close(jobs)
		b.dispatch(stop, lines, jobs, slots)
	}()
	b.printAll(slots, stopCause)
	wg.Wait()
	if b.bar != nil {
		b.bar.Finish()
	}
	return b.summary(context.Cause(stop))
}

// read parses each line of in into a job until the input ends or stop is cancelled.
func (b *batch) read(stop context.Context, in io.Reader, lines chan<- read) {
	defer close(lines)
	eof := true
	readLines(in, func(rl rawLine) bool {
		r := read{err: rl.err}
		if rl.err == nil {
			r.j = b.parse(rl)
		}
		select {
		case lines <- r:
			return true
		case <-stop.Done():
			eof = false
			return false
		}
	})
	b.readAll = eof
}

// parse makes one line a job: its parameters, or why it cannot be sent.
func (b *batch) parse(rl rawLine) job {
	j := job{line: rl.n}
	if rl.tooLong {
		j.bad = fmt.Errorf("longer than %d bytes", maxLine)
	} else {
		j.p, j.bad = parseLine(b.o, rl.text)
	}
	if j.bad == nil {
		j.digest = paramsDigest(b.o, j.p)
	}
	b.rs.mark(&j, b.o, b.bf.acceptUnknown)
	b.checkDuplicate(&j)
	return j
}

// dispatch gives each line a result slot in input order and then a result (a line not sent) or
// a sender (paced for --rps), until the input ends or stop is cancelled.
func (b *batch) dispatch(stop context.Context, lines <-chan read, jobs chan<- job, slots chan<- chan outcome) {
	tick, stopTicker := b.ticker()
	defer stopTicker()
	first := true
	for {
		var r read
		var more bool
		select {
		case r, more = <-lines:
		case <-stop.Done():
			return
		}
		switch {
		case !more:
			b.complete = b.readAll // the reader sets readAll before it closes lines
			return
		case r.err != nil:
			b.readErr = r.err
			return
		}
		slot := make(chan outcome, 1)
		select {
		case slots <- slot:
		case <-stop.Done():
			return
		}
		j := r.j
		j.slot = slot
		if j.bad != nil || j.skip != "" || j.held != nil || b.bf.dryRun {
			slot <- b.notSent(j)
		} else if !b.wait(stop, tick, &first) || !give(stop, jobs, j) {
			close(slot) // not sent: the printer passes over it
			return
		}
		b.lastRead = j.line
	}
}

// notSent is the outcome of a line that is not sent.
func (b *batch) notSent(j job) outcome {
	r := outcome{job: j, id: registrationID(b.o, j.p)}
	switch {
	case j.skip != "" || j.bad != nil:
	case j.held != nil:
		r.err, r.unknown = j.held, true
	default:
		r.checked = true // --dry-run
	}
	return r
}

// ticker paces requests for --rps: a nil channel without it.
func (b *batch) ticker() (<-chan time.Time, func()) {
	d := b.bf.interval()
	if d == 0 {
		return nil, func() {}
	}
	if b.c.newTicker != nil {
		return b.c.newTicker(d)
	}
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// wait waits for the next tick of --rps (not before the first request); false: stopped.
func (b *batch) wait(stop context.Context, tick <-chan time.Time, first *bool) bool {
	if tick == nil || *first {
		*first = false
		return stop.Err() == nil
	}
	select {
	case <-tick:
		return true
	case <-stop.Done():
		return false
	}
}

// give hands j to a sender; false: stopped first.
func give(stop context.Context, jobs chan<- job, j job) bool {
	select {
	case jobs <- j:
		return true
	case <-stop.Done():
		return false
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
