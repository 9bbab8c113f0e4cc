package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/voxsip/voxsip/internal/testutil"
)

// TestSingleRequestFinishesOnFirstInterrupt: Ctrl-C during a single update lets the request
// finish (exit 0, the result printed); a second one cuts it off and says its outcome is unknown.
func TestSingleRequestFinishesOnFirstInterrupt(t *testing.T) {
	srv, arrived, release, _ := gated(t)
	creds := throwawayCreds(t)
	args := []string{"update", "--id", "1", "--auth-user", "a", "--credentials", creds, "--base-url", srv.URL, "--attempts", "1"}
	sigs := make(chan os.Signal, 2)
	done := make(chan result, 1)
	go func() { done <- runEnvCLI(t, &env{sigs: sigs}, args) }()
	waitN(t, arrived, 1)
	sigs <- os.Interrupt
	close(release)
	if r := await(t, done); r.code != 0 || r.stdout != "updated SIP registration 1\n" {
		t.Errorf("first interrupt: exit %d, %q %q; want the request finished", r.code, r.stdout, r.stderr)
	}

	srv2, arrived2, _, _ := gated(t)
	args[len(args)-3] = srv2.URL
	sigs = make(chan os.Signal, 2)
	go func() { done <- runEnvCLI(t, &env{sigs: sigs}, args) }()
	waitN(t, arrived2, 1)
	sigs <- os.Interrupt
	sigs <- os.Interrupt
	r := await(t, done)
	if r.code != 1 || !strings.Contains(r.stderr, "voxsip: stopped at once: the request was cut off and its outcome is unknown") {
		t.Errorf("second interrupt: exit %d, %q", r.code, r.stderr)
	}
}

// TestBatchFirstInterruptDrains: in-flight requests finish, nothing new is sent, and the batch
// says it was interrupted and exits 1 — also when the feeder had already read the last lines
// of the input (they wait for a sender) when Ctrl-C came: nothing is lost silently.
func TestBatchFirstInterruptDrains(t *testing.T) {
	for _, tc := range []struct {
		name               string
		lines, concurrency int
	}{
		{"input still being read", 50, 3},
		{"input already read to its end", 5, 1}, // fewer lines than the window of result slots
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, arrived, release, answered := gated(t)
			creds := throwawayCreds(t)
			// The in-flight requests are released only once the CLI says the interrupt has taken
			// effect (the drain begun), so no line can start after it, however busy the machine.
			sigs := make(chan os.Signal, 1)
			drained := make(chan struct{})
			batch := writeFile(t, updateLines(tc.lines))
			done := make(chan result, 1)
			go func() {
				done <- runEnvCLI(t, &env{sigs: sigs, signalled: func(int) { close(drained) }}, []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch,
					"--concurrency", fmt.Sprint(tc.concurrency), "--json"}, secrets(tc.lines)...)
			}()
			waitN(t, arrived, tc.concurrency)
			sigs <- os.Interrupt
			awaitDrain(t, drained)
			close(release)
			r := await(t, done)
			if r.code != 1 || !strings.Contains(r.stderr, "interrupted; the lines after line") {
				t.Errorf("exit %d, stderr %q; want exit 1 saying it was interrupted", r.code, r.stderr)
			}
			got, results := answered.Load(), strings.Count(r.stdout, `"ok":true`)
			if got < int64(tc.concurrency) || int64(results) != got || results == tc.lines {
				t.Errorf("%d answered, %d ok results; want the in-flight ones finished and the rest not sent", got, results)
			}
		})
	}
}

// TestBatchSecondSignalStopsAtOnce: a second Ctrl-C, or SIGTERM during the drain, ends the batch
// at once and names the lines whose outcome is unknown.
func TestBatchSecondSignalStopsAtOnce(t *testing.T) {
	for _, second := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(second.String(), func(t *testing.T) {
			srv, arrived, _, _ := gated(t)
			creds := throwawayCreds(t)
			sigs := make(chan os.Signal, 2)
			batch := writeFile(t, updateLines(10))
			done := make(chan result, 1)
			go func() {
				done <- runEnvCLI(t, &env{sigs: sigs}, []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--concurrency", "2", "--json"}, secrets(10)...)
			}()
			waitN(t, arrived, 2)
			sigs <- os.Interrupt
			sigs <- second
			r := await(t, done) // the gate is never released: only the second signal ends it
			if r.code != 1 || !strings.Contains(r.stderr, "the outcome of lines 1, 2 is unknown") || !strings.Contains(r.stderr, "stopped at once") {
				t.Errorf("exit %d, stderr %q", r.code, r.stderr)
			}
			if strings.Count(r.stdout, `"outcome_unknown":true`) != 2 {
				t.Errorf("stdout %q", r.stdout)
			}
		})
	}
}

// A batch interrupted before its results could be written says both in its summary: the failed
// write (its results are on standard error, to append before --resume) and the interrupt. The
// interrupt stopped the batch first, and the summary used to say only that.
func TestBatchInterruptedAndUnwritableSaysBoth(t *testing.T) {
	srv, arrived, release, _ := gated(t)
	creds := throwawayCreds(t)
	sigs := make(chan os.Signal, 1)
	drained := make(chan struct{})
	var stderr syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &fullDisk{}, stderr: &stderr, sigs: sigs, signalled: func(int) { close(drained) }}
	done := make(chan int, 1)
	go func() {
		done <- runEnv(context.Background(), []string{"update", "--credentials", creds, "--base-url", srv.URL,
			"--batch", writeFile(t, updateLines(20)), "--concurrency", "2", "--json"}, e)
	}()
	waitN(t, arrived, 2)
	sigs <- os.Interrupt
	awaitDrain(t, drained)
	close(release)
	var code int
	select {
	case code = <-done:
	case <-time.After(testutil.WaitLimit):
		t.Fatal("the batch did not end")
	}
	got := stderr.String()
	if code != exitFailed || !strings.Contains(got, "writing the results to standard output failed at line 1 (") ||
		!strings.Contains(got, "interrupted; the lines after line") || len(notWritten.FindAllString(got, -1)) != 2 {
		t.Errorf("exit %d, stderr:\n%s", code, got)
	}
}

// A --dry-run whose results cannot be written counts the lines it checked and says so, and says
// that the lines after were not checked (it sends nothing: there is nothing to resume).
func TestDryRunUnwritableSummary(t *testing.T) {
	var stderr strings.Builder
	code := run(context.Background(), []string{"create", "--batch", writeFile(t, createLines("a", "b", "c")), "--dry-run", "--json"},
		strings.NewReader(""), &fullDisk{}, &stderr)
	got := stderr.String()
	if code != exitNothing || !strings.Contains(got, "voxsip: batch: dry run: ") || strings.Contains(got, " 0 lines") ||
		!strings.Contains(got, "writing the results to standard output failed at line 1 (") || !strings.Contains(got, "nothing was sent") ||
		strings.Contains(got, "rerun with --json output and --resume") {
		t.Errorf("exit %d, stderr:\n%s", code, got)
	}
}

// awaitDrain waits until the CLI says the first interrupt has taken effect (env.signalled).
func awaitDrain(t *testing.T, drained <-chan struct{}) {
	t.Helper()
	select {
	case <-drained:
	case <-time.After(testutil.WaitLimit):
		t.Fatal("the interrupt never took effect")
	}
}
