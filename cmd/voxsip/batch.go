package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/jsonerr"
)

// maxLine bounds one line of a batch file.
const maxLine = 1 << 20

// batchJob is one non-blank line of the batch file.
type batchJob struct {
	seq  int // position among non-blank lines, for printing in input order
	line int // line number in the file
	p    api.UpdateSIPRegistrationParams
	bad  error // the line could not be used; nothing is sent for it
}

type batchResult struct {
	batchJob
	err error
}

// batchUpdate applies every line of uf.batch; see updateAbout. Results print in input order.
func (c *cli) batchUpdate(uf *updateFlags) int {
	switch {
	case len(uf.setParams) > 0 || uf.passwordStdin || uf.passwordFile != "":
		return c.fail(usagef("--batch takes the parameters from the file: drop the parameter flags"))
	case uf.dryRun:
		return c.fail(usagef("--dry-run does not apply to --batch"))
	case uf.concurrency < 1:
		return c.fail(usagef("--concurrency must be at least 1"))
	case uf.rps < 0:
		return c.fail(usagef("--rps must not be negative"))
	}
	total, err := countLines(uf.batch)
	if err != nil {
		return c.fail(err)
	}
	client, err := uf.common.client()
	if err != nil {
		return c.fail(err)
	}
	f, err := os.Open(uf.batch)
	if err != nil {
		return c.fail(err)
	}
	defer f.Close()

	jobs := make(chan batchJob)
	results := make(chan batchResult)
	var wg sync.WaitGroup

	// Requests in flight finish even after Ctrl-C: they run on a context that the interrupt does
	// not cancel, bounded by --timeout.
	reqCtx := context.WithoutCancel(c.ctx)
	for range uf.concurrency {
		wg.Go(func() {
			for j := range jobs {
				ctx, cancel := context.WithTimeout(reqCtx, uf.common.timeout)
				err := client.UpdateSIPRegistration(ctx, &j.p)
				cancel()
				results <- batchResult{batchJob: j, err: err}
			}
		})
	}
	var readErr error
	wg.Go(func() {
		defer close(jobs)
		readErr = c.dispatch(f, uf.rps, jobs, results)
	})
	go func() {
		wg.Wait()
		close(results)
	}()

	progress := c.newProgress(total)
	var ok, failed, bad, apiFailed int
	pending := map[int]batchResult{}
	next := 0
	for r := range results {
		pending[r.seq] = r
		for {
			r, found := pending[next]
			if !found {
				break
			}
			delete(pending, next)
			next++
			switch {
			case r.bad != nil:
				bad++
			case r.err != nil:
				failed++
				if exitCode(r.err) == exitAPI {
					apiFailed++
				}
			default:
				ok++
			}
			c.printBatchResult(uf.json, r)
			progress(ok + failed + bad)
		}
	}

	done := ok + failed + bad
	summary := fmt.Sprintf("%d of %d lines done: %d ok, %d failed, %d bad", done, total, ok, failed, bad)
	switch {
	case readErr != nil:
		fmt.Fprintf(c.stderr, "voxsip: batch stopped: %s; %s\n", oneLine(readErr.Error()), summary)
		return exitUsage
	case c.ctx.Err() != nil && done < total:
		fmt.Fprintf(c.stderr, "voxsip: interrupted after the requests in flight: %s; the rest were not sent\n", summary)
		return exitAPI
	}
	fmt.Fprintf(c.stderr, "batch: %s\n", summary)
	switch {
	case apiFailed > 0:
		return exitAPI
	case failed+bad > 0:
		return exitUsage
	}
	return exitOK
}

// dispatch reads the batch file and hands each usable line to the workers, at most rps per
// second; bad lines go straight to results. It stops early when the context is cancelled.
func (c *cli) dispatch(r io.Reader, rps float64, jobs chan<- batchJob, results chan<- batchResult) error {
	var tick <-chan time.Time
	if rps > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / rps))
		defer t.Stop()
		tick = t.C
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	seq, line := 0, 0
	first := true
	for sc.Scan() {
		if c.ctx.Err() != nil {
			return nil
		}
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		j := batchJob{seq: seq, line: line}
		seq++
		j.p, j.bad = parseBatchLine(raw)
		if j.bad != nil {
			select {
			case results <- batchResult{batchJob: j}:
				continue
			case <-c.ctx.Done():
				return nil
			}
		}
		if tick != nil && !first {
			select {
			case <-tick:
			case <-c.ctx.Done():
				return nil
			}
		}
		first = false
		select {
		case jobs <- j:
		case <-c.ctx.Done():
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading line %d: %w", line+1, err)
	}
	return nil
}

// parseBatchLine decodes one JSON object with the API's parameter names and checks the rules.
// Errors name the line's problem without quoting its values (a line may hold a password).
func parseBatchLine(raw []byte) (api.UpdateSIPRegistrationParams, error) {
	var p api.UpdateSIPRegistrationParams
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, &usageError{msg: jsonerr.Describe(err)}
	}
	if dec.More() {
		return p, usagef("more than one JSON value on the line")
	}
	return p, api.ValidateUpdateSIPRegistration(&p)
}

func (c *cli) printBatchResult(asJSON bool, r batchResult) {
	err := r.err
	if r.bad != nil {
		err = fmt.Errorf("bad line: %w", r.bad)
	}
	if asJSON {
		m := resultJSON(r.line, r.p.SIPRegistrationID, err)
		if r.bad != nil {
			m["bad_line"] = true
		}
		c.printJSON(m)
		return
	}
	id := "-"
	if r.p.SIPRegistrationID != 0 {
		id = fmt.Sprint(r.p.SIPRegistrationID)
	}
	outcome := "ok"
	if err != nil {
		outcome = oneLine(err.Error())
	}
	fmt.Fprintf(c.stdout, "line %d\tid %s\t%s\n", r.line, id, outcome)
}

// newProgress returns a function to call with the number of lines done: a progress bar when
// stderr is a terminal, else a plain count about every tenth of the batch.
func (c *cli) newProgress(total int) func(done int) {
	if f, ok := c.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(c.stderr),
			progressbar.OptionSetDescription("updating"), progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish())
		return func(done int) { bar.Set(done) }
	}
	step := max(1, total/10)
	return func(done int) {
		if done%step == 0 || done == total {
			fmt.Fprintf(c.stderr, "progress: %d/%d lines\n", done, total)
		}
	}
}

// countLines counts the non-blank lines of path, for progress.
func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("--batch: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	n := 0
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			n++
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("--batch: %w", err)
	}
	return n, nil
}
