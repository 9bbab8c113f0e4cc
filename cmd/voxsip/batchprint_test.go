package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/voxsip/voxsip/api"
)

// TestBatchJSONResultBytes: every --json result line is byte for byte what json.Marshal makes
// of the map of its keys (sorted keys, HTML escaping), fast path or not.
func TestBatchJSONResultBytes(t *testing.T) {
	cases := []outcome{
		{job: job{line: 1}, id: 7},
		{job: job{line: 1, digest: "0123456789abcdef"}, id: 7},
		{job: job{line: 11, digest: "0123456789abcdef"}},
		{job: job{line: 123456}, id: 0},
		{job: job{line: 2}, id: -3},
		{job: job{line: 3}, id: 9223372036854775807},
		{job: job{line: 4, skip: "done in a previous run", digest: "fedcba9876543210"}, id: 5},
		{job: job{line: 5, bad: errors.New("not valid <JSON> & more")}},
		{job: job{line: 6, bad: errors.New("x"), skip: "done in a previous run"}, id: 8},
		{job: job{line: 7}, id: 9, err: &api.Error{Op: "UpdateSipRegistration", Code: 0, Message: "m"}},
		{job: job{line: 8}, id: 9, err: errors.New("net\n  down"), unknown: true},
		{job: job{line: 9}, err: errors.New("")},
		{job: job{line: 10}, id: 3, checked: true},
	}
	for _, r := range cases {
		b := &batch{o: opCreate, cf: &commonFlags{json: true}}
		got := bytes.NewBuffer(b.appendResult(b.appendResult(nil, r), r))
		err := r.err
		if r.bad != nil {
			err = errors.New("bad line: " + r.bad.Error())
		}
		want, _ := json.Marshal(resultJSON(r, err, opCreate.op.ID))
		want = append(want, '\n')
		if w2 := string(want) + string(want); got.String() != w2 {
			t.Errorf("line %d: got %q, want %q", r.line, got.String(), w2)
		}
	}
}

// Results gathered into one write and cut by a full disk: each result the write took whole is on
// standard output once, every other one on standard error once (the first named in the error),
// and the batch is stopped; results queued after are not written to standard output at all.
func TestBatchGatheredResultsCutByAFullDisk(t *testing.T) {
	var results []outcome
	for i := 1; i <= 5; i++ {
		results = append(results, outcome{job: job{line: i, digest: "0123456789abcdef"}, id: int64(i)})
	}
	one := len((&batch{o: opUpdate, cf: &commonFlags{json: true}}).appendResult(nil, results[0]))
	for _, limit := range []int{0, 1, one - 1, one, one + 1, 2*one + 3, 5 * one} {
		out, stderr := &fullDisk{limit: limit}, &strings.Builder{}
		b := &batch{c: &cli{env: &env{stdout: out, stderr: stderr}}, o: opUpdate, cf: &commonFlags{json: true}}
		var cause error
		stop := func(err error) { cause = err }
		for _, r := range results[:4] {
			b.queue(r, stop)
		}
		b.flush(stop)
		b.queue(results[4], stop)
		b.flush(stop)
		whole := min(limit/one, 5)
		for i, r := range results {
			line := string(b.appendResult(nil, r))
			onStdout := strings.Contains(out.String(), line)
			onStderr := strings.Count(stderr.String(), "voxsip: result not written: "+line)
			if onStdout != (i < whole) || onStderr != map[bool]int{true: 0, false: 1}[i < whole] {
				t.Errorf("cut at %d: line %d: on stdout %v, %d times on stderr", limit, r.line, onStdout, onStderr)
			}
		}
		var oe *errOutput
		if wantStop := whole < 5; wantStop != errors.As(cause, &oe) || (wantStop && oe.line != whole+1) {
			t.Errorf("cut at %d: stopped with %v, want the error at line %d", limit, cause, whole+1)
		}
	}
}

// A result is never held back in the printer's buffer while the printer waits: with line 2's
// request still in flight (and line 3 not yet dispatched, for --concurrency 1), line 1's result
// is on standard output already, so a batch killed then has written all it knows.
func TestBatchWritesWhatItHasBeforeItWaits(t *testing.T) {
	for _, conc := range []int{1, 2} {
		synctest.Test(t, func(t *testing.T) {
			release := make(chan struct{})
			slow := opUpdate
			slow.send = func(_ context.Context, _ *api.Client, p any) (int64, any, error) {
				if registrationID(opUpdate, p) == 2 {
					<-release
				}
				return 0, nil, nil
			}
			var out strings.Builder
			c := &cli{env: &env{stdout: &out, stderr: io.Discard}, ctx: context.Background(), hard: context.Background()}
			b := &batch{c: c, o: slow, cf: &commonFlags{timeout: time.Minute, json: true}, bf: &batchFlags{concurrency: conc}}
			done := make(chan error, 1)
			go func() { done <- b.run(strings.NewReader(updateLines(3))) }()
			synctest.Wait()
			if got := strings.Count(out.String(), "\n"); got != 1 || !strings.HasPrefix(out.String(), `{"line":1,"ok":true`) {
				t.Errorf("--concurrency %d: with line 2 in flight, standard output holds %q; want line 1's result", conc, out.String())
			}
			close(release)
			if err := <-done; err != nil || strings.Count(out.String(), "\n") != 3 {
				t.Errorf("--concurrency %d: %v, output %q", conc, err, out.String())
			}
		})
	}
}

// Nor while it waits for the next line to be read: with the input stalled after line 1 (a pipe
// nobody writes to yet), line 1's result is on standard output.
func TestBatchWritesWhatItHasWhileTheInputStalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		instant := opUpdate
		instant.send = func(context.Context, *api.Client, any) (int64, any, error) { return 0, nil, nil }
		pr, pw := io.Pipe()
		var out strings.Builder
		c := &cli{env: &env{stdout: &out, stderr: io.Discard}, ctx: context.Background(), hard: context.Background()}
		b := &batch{c: c, o: instant, cf: &commonFlags{timeout: time.Minute, json: true}, bf: &batchFlags{concurrency: 2}}
		done := make(chan error, 1)
		go func() { done <- b.run(pr) }()
		go func() { io.WriteString(pw, updateLines(1)) }()
		synctest.Wait()
		if !strings.HasPrefix(out.String(), `{"line":1,"ok":true`) {
			t.Errorf("with the input stalled after line 1, standard output holds %q; want line 1's result", out.String())
		}
		pw.Close()
		if err := <-done; err != nil || strings.Count(out.String(), "\n") != 1 {
			t.Errorf("%v, output %q", err, out.String())
		}
	})
}

// TestBatchInterruptWhileTheInputStalls: Ctrl-C ends a batch whose input has stalled (a pipe
// nobody writes to), although its feeder is stuck in a read that nothing can end: the request in
// flight finishes and its result is printed with the others, nothing new is sent, and the
// summary names the last line sent. Once the pipe closes, the feeder and the senders are gone
// (synctest.Test waits for every goroutine of the bubble).
func TestBatchInterruptWhileTheInputStalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var sends atomic.Int64
		gated := opUpdate
		gated.send = func(_ context.Context, _ *api.Client, p any) (int64, any, error) {
			if sends.Add(1) == 3 {
				<-release // line 3 is in flight when Ctrl-C comes
			}
			return 0, nil, nil
		}
		pr, pw := io.Pipe()
		var out, errs strings.Builder
		ctx, interrupt := context.WithCancel(context.Background())
		c := &cli{env: &env{stdout: &out, stderr: &errs}, ctx: ctx, hard: context.Background()}
		b := &batch{c: c, o: gated, cf: &commonFlags{timeout: time.Minute, json: true}, bf: &batchFlags{concurrency: 2}}
		done := make(chan error, 1)
		go func() { done <- b.run(pr) }()
		go func() { io.WriteString(pw, updateLines(3)) }()
		synctest.Wait() // lines 1 and 2 answered, line 3 in flight, the feeder in a read
		interrupt()
		synctest.Wait()
		close(release)
		err := <-done
		if err == nil || strings.Count(out.String(), `"ok":true`) != 3 || sends.Load() != 3 {
			t.Errorf("%v, %d sent, output %q; want the 3 lines sent and their results", err, sends.Load(), out.String())
		}
		if !strings.Contains(errs.String(), "3 lines: 3 ok") || !strings.Contains(errs.String(), "interrupted; the lines after line 3 were not sent") {
			t.Errorf("summary %q; want it interrupted after line 3", errs.String())
		}
		pw.Close()
	})
}
