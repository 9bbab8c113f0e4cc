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

// A batch is a pipeline: feed (one goroutine: each line read, parsed, given a result slot in
// input order on a bounded channel, paced for --rps, and handed to a sender) → send
// (--concurrency goroutines: each fills its job's slot) → print (the caller: each slot in turn).
//
// The feeder may block in a read of its input (a pipe that stalls) at any time, and a stop
// (Ctrl-C, a failed write, the API down) must not wait for that read: the printer ends the
// batch itself. Slots go to the printer only under mu and while !closed, so once the printer has
// set closed, the slots channel holds every line that will ever be handed out, and the printer
// prints those and returns, leaving a feeder stuck in a read behind (the process exits).

type batch struct {
	c  *cli
	o  operation
	cl *api.Client
	cf *commonFlags
	bf *batchFlags
	rs *resumeState

	netFailures atomic.Int64

	// The feeder's: the first line of each registration a create line makes (checkDuplicate).
	firstLine map[regDigest]int
	// gc raises GOGC while the batch's live heap is small (nil: left alone). run and the feeder.
	gc *gcTuner

	mu sync.Mutex
	// closed: the printer takes no more slots (it has stopped). Under mu.
	closed bool
	// Set by the feeder under mu before it closes the slots, unless closed; read by the printer
	// once slots is closed or it has set closed.
	complete bool  // every line of the input was handed out (read to its end, none left behind)
	readErr  error // reading the input failed

	// The printer's.
	tally
	lastRead int // the last line that has a result (the lines after it were not sent)
	bar      *progressbar.ProgressBar
	out      []byte          // results gathered to write (flush)
	pending  []pendingResult // the results in out
	writeErr *errOutput      // the first failed write of a result
}

func (b *batch) run(in io.Reader) error {
	stop, stopCause := context.WithCancelCause(b.c.ctx)
	defer stopCause(nil)
	if b.c.tty {
		b.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(b.c.stderr), progressbar.OptionSetDescription(b.o.verb),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	}
	jobs := make(chan job)
	// The slots of the lines between the printer and the feeder: the bound on how far ahead of
	// the oldest line still in flight the batch reads.
	slots := make(chan chan outcome, 4*b.bf.concurrency+64)
	// quit ends the senders once the printer is done: the feeder, which closes jobs, may be
	// stuck in a read.
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for range b.bf.concurrency {
		wg.Go(func() { b.sender(jobs, quit, stopCause) })
	}
	b.gc.boost()
	b.gc.check() // --resume's results are in memory already
	go b.feed(stop, in, jobs, slots)
	b.printAll(stop, slots, stopCause)
	close(quit)
	wg.Wait()
	b.gc.restore() // a feeder still going after a stop may check once more: it changes nothing now
	if b.bar != nil {
		b.bar.Finish()
	}
	return b.summary(context.Cause(stop))
}

// sender sends each job it is given and fills its slot, until jobs is closed or quit.
func (b *batch) sender(jobs <-chan job, quit <-chan struct{}, stopCause context.CancelCauseFunc) {
	for {
		select {
		case j, more := <-jobs:
			if !more {
				return
			}
			j.slot <- b.send(j, stopCause)
		case <-quit:
			return
		}
	}
}

// feed reads in line by line and hands each line out (handOut) until the input ends or stop
// is cancelled; at the end it says how the input ended and closes slots and jobs.
func (b *batch) feed(stop context.Context, in io.Reader, jobs chan<- job, slots chan<- chan outcome) {
	defer close(jobs)
	tick, stopTicker := b.ticker()
	defer stopTicker()
	first, complete, lines := true, true, 0
	var readErr error
	readLines(in, func(rl rawLine) bool {
		if rl.err != nil {
			readErr = rl.err
			return false
		}
		if lines++; lines%batchGCEvery == 0 { // lines, not line numbers: blank ones are not seen
			b.gc.check()
		}
		if !b.handOut(stop, b.parse(rl), jobs, slots, tick, &first) {
			complete = false
			return false
		}
		return true
	})
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.complete, b.readErr = complete && readErr == nil, readErr
		close(slots)
	}
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

// handOut gives j a result slot in input order and then a result (a line not sent) or a sender
// (paced for --rps); false: stopped first, and j was not sent.
func (b *batch) handOut(stop context.Context, j job, jobs chan<- job, slots chan<- chan outcome, tick <-chan time.Time, first *bool) bool {
	slot := make(chan outcome, 1)
	if !b.giveSlot(stop, slots, slot) {
		return false
	}
	j.slot = slot
	if j.bad != nil || j.skip != "" || j.held != nil || b.bf.dryRun {
		slot <- b.notSent(j)
		return true
	}
	if !b.wait(stop, tick, first) || !give(stop, jobs, j) {
		close(slot) // not sent: the printer passes over it
		return false
	}
	return true
}

// giveSlot queues slot for the printer unless the printer has stopped taking slots; it blocks
// under mu only in a select that a stop ends, and the printer takes mu only once stopped.
func (b *batch) giveSlot(stop context.Context, slots chan<- chan outcome, slot chan outcome) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || stop.Err() != nil {
		return false
	}
	select {
	case slots <- slot:
		return true
	case <-stop.Done():
		return false
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
	if stop.Err() != nil {
		return false // a select picks at random among ready cases: a tick may be ready too
	}
	if tick == nil || *first {
		*first = false
		return true
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
	if stop.Err() != nil {
		return false // a select picks at random among ready cases: a sender may be idle too
	}
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
