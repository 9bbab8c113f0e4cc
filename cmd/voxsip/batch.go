package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/apihook"
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

const batchHelp = `Batches: --batch FILE (or - for standard input) holds JSON Lines, one object
per line with the API's parameter names (the password included, as "password"). The input is
read once, as a stream; blank lines are skipped and a UTF-8 byte order mark is ignored. A bad
line (not JSON, a key that is no parameter name exactly or is given twice, broken rule, what the
command refuses from flags, longer than 1 MiB) is reported with its number and skipped. One
result line per line is printed in input order ("line N ..." or, with --json, an object with
"line", "ok" and "error"). After 10 requests in a row fail to reach the API the batch stops
early; so does a failed write of a result (a full disk, a closed pipe), with the results not
written and the lines not sent named on standard error. Ctrl-C (or SIGTERM) finishes the
requests in flight and sends nothing new; a second one stops at once and names the lines whose
outcome is unknown (once a write of results returns: a reader of standard output that stopped
reading holds the batch until it reads or exits). With --dry-run every line is checked and
reported, and nothing is sent.
A create batch refuses a line for the registration an earlier line creates (the same
sip_username, exactly, and proxy, whose host is compared in any case and with or without a
trailing dot); for that it keeps a 16-byte digest and the line number of each line: about 110
bytes of memory per line (2 million lines: 240 MB). A batch runs Go's garbage collector with
GOGC=800 while its live heap is under 8 MiB (so its heap stays under about 72 MiB), then as
usual; set GOGC or GOMEMLIMIT to choose yourself.

--resume RESULTS skips the lines a previous run's --json results mark ok (a --dry-run's results
count for nothing) and redoes the others, except those marked "outcome_unknown" of an operation
that is not idempotent (create): they are not sent again, and this run marks them unknown too,
through any number of runs, until you decide. List them (grep outcome_unknown RESULTS), check with
'voxsip list' whether each took effect, then either add --resume-accept-unknown to send them
again, or edit the results: change "ok": false to "ok": true on a line that took effect (it is
then skipped). --resume needs --json (text results cannot be resumed from), except with --dry-run.
A run holds an exclusive lock on RESULTS (flock, on Linux, macOS and the BSDs; elsewhere, or on a
file system without locks, nothing is locked and the run says so: run one at a time): a second
run resuming from the same file is refused, nothing sent.

Each --json result names its operation ("op") and its line's parameters ("params_digest": 16 hex
digits of a SHA-256 of the parameters as sent, with the password left out, so the results reveal
nothing of it; a line whose only change is its password counts as the same line). Before
anything is sent, --resume reads the input as far as the last line the results mark ok or unknown
(from a pipe, that part is held in memory) and refuses the run, naming the line, when such a line
is not the one its result is for (edited, moved by a line inserted or deleted above it, missing),
and when RESULTS holds another command's results, an older voxsip's (no "op"), or what is not
results. A failed line may be fixed in place. A result cut short (a full disk) is read from its
complete copy right after it (the results on standard error, appended as the batch says);
without one it is refused, unless the operation is idempotent (update, delete): then it is
passed over, wherever it is (a run killed mid-write, the next run's results glued to it), and
its line sent again; for create the refusal says which result to write if that line took effect.`

// batchFlags are the flags of a command that takes --batch.
type batchFlags struct {
	file        string
	concurrency int
	rps         float64
	// rpsUnderflow: --rps was a number too small for a float64 (1e-400), which parses as 0, "no
	// limit": the opposite of what was asked.
	rpsUnderflow bool
	resume       string
	// acceptUnknown sends the lines whose outcome --resume says is unknown again.
	acceptUnknown bool
	// dryRun checks every line and sends none (the command's --dry-run).
	dryRun bool
}

func (bf *batchFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&bf.file, "batch", "", "send one request per line of `FILE` (JSON Lines; - for standard input)")
	cmd.Flags().IntVar(&bf.concurrency, "concurrency", 4, fmt.Sprintf("with --batch: `N` requests in flight at once (1 to %d; they take effect in any order)", maxConcurrency))
	cmd.Flags().Var((*rateValue)(bf), "rps", fmt.Sprintf("with --batch: at most `R` requests per second (%g to %d; 0: no limit)", minRPS, maxRPS))
	cmd.Flags().StringVar(&bf.resume, "resume", "", "with --batch and --json: skip the lines that a previous run's --json results in `FILE` mark ok")
	cmd.Flags().BoolVar(&bf.acceptUnknown, "resume-accept-unknown", false,
		"with --resume: send again the lines whose outcome the results mark unknown (after checking they did not take effect)")
}

// check validates the batch flags: every bad value is a usage error naming the allowed range.
func (bf *batchFlags) check() error {
	if bf.concurrency < 1 || bf.concurrency > maxConcurrency {
		return usagef("--concurrency must be between 1 and %d, got %d", maxConcurrency, bf.concurrency)
	}
	if math.IsNaN(bf.rps) || math.IsInf(bf.rps, 0) || bf.rps < 0 || (bf.rps > 0 && bf.rps < minRPS) || bf.rps > maxRPS || bf.rpsUnderflow {
		return usagef("--rps must be 0 (no limit) or a number from %g to %d, got %v", minRPS, maxRPS, (*rateValue)(bf))
	}
	return nil
}

// rateValue is the --rps flag of bf: a float64 that remembers a value which rounds to 0.
type rateValue batchFlags

func (v *rateValue) Type() string { return "float" }

func (v *rateValue) String() string {
	if v.rpsUnderflow {
		return "a number too small to hold"
	}
	return strconv.FormatFloat(v.rps, 'g', -1, 64)
}

func (v *rateValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	v.rps, v.rpsUnderflow = f, f == 0 && strings.ContainsAny(mantissa, "123456789")
	return nil
}

// interval is the time between requests for --rps (0: no limit).
func (bf *batchFlags) interval() time.Duration {
	if bf.rps == 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / bf.rps)
}

// job is one line on its way; outcome is what became of it.
type job struct {
	line int
	p    any
	// digest identifies the line's parameters in its result (paramsDigest; "" for a bad line).
	digest string
	bad    error  // the line could not be used; nothing was sent for it
	skip   string // not sent, and why (done in a previous run)
	held   error  // not sent: its outcome in a previous run is unknown, and it stays so
	slot   chan<- outcome
}

type outcome struct {
	job
	id      int64
	err     error
	unknown bool // the request may or may not have taken effect
	checked bool // valid, not sent (--dry-run)
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

// openResume reads the --resume results (nil without --resume) and holds their lock until
// unlock is called (see lockResume); where the file cannot be locked it says so on stderr.
func (c *cli) openResume(o operation, bf *batchFlags) (rs *resumeState, unlock func(), err error) {
	if bf.resume == "" {
		return nil, func() {}, nil
	}
	if err := c.checkResumeIsNotOutput(bf.resume); err != nil {
		return nil, nil, err
	}
	lock, locked, err := lockResume(bf.resume)
	if err != nil {
		return nil, nil, err
	}
	if !locked {
		fmt.Fprintf(c.stderr, "voxsip: --resume: %s cannot be locked here (no file locks on this system or file system): "+
			"make sure no other run resumes from it at once, or both would send the lines it does not mark\n", bf.resume)
	}
	if rs, err = loadResume(bf.resume, o); err != nil {
		lock.Close()
		return nil, nil, err
	}
	return rs, func() { lock.Close() }, nil
}

// runBatch sends one request per line of bf.file; see batchHelp.
func (c *cli) runBatch(o operation, cf *commonFlags, bf *batchFlags) error {
	if err := bf.check(); err != nil {
		return err
	}
	if err := cf.check(); err != nil {
		return err
	}
	if bf.resume != "" && !cf.json && !bf.dryRun {
		return usagef("--resume needs --json: this run's results must be --json results for a later --resume to read " +
			"(text results cannot be resumed from); nothing was sent")
	}
	rs, unlock, err := c.openResume(o, bf)
	if err != nil {
		return err
	}
	defer unlock()
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
	in, err = rs.checkInput(c.ctx, o, in)
	if err != nil {
		return err
	}
	b := &batch{c: c, o: o, cf: cf, bf: bf, rs: rs}
	if c.tuneGC {
		b.gc = newGCTuner()
	}
	if !bf.dryRun {
		// Each request's context has the --timeout deadline for all its attempts (send), which
		// is never later than an attempt's own: a second timer per request would never fire first.
		cl, err := c.newClient(cf, bf.concurrency, 0)
		if err != nil {
			return err
		}
		defer cl.CloseIdleConnections()
		apihook.TrustValidated(cl) // parse validates every line it lets through: once
		b.cl = cl
	}
	return b.run(in)
}
