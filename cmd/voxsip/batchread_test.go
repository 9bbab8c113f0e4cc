package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/voxsip/voxsip/api"
)

// TestBatchLineCap: a line of exactly maxLine bytes (without its "\n" or "\r\n") is read, one
// byte more is too long and skipped to its end; the lines around are read whole, numbered.
func TestBatchLineCap(t *testing.T) {
	at, over := strings.Repeat("a", maxLine), strings.Repeat("b", maxLine+1)
	input := at + "\n" + over + "\n" + at + "\r\n" + over + "\r\n" + "x\n" + strings.Repeat("c", 3*maxLine) + "\n" + over
	type got struct {
		n       int
		size    int
		tooLong bool
	}
	var lines []got
	readLines(strings.NewReader(input), func(rl rawLine) bool {
		if rl.err != nil {
			t.Fatalf("line %d: %v", rl.n, rl.err)
		}
		lines = append(lines, got{rl.n, len(rl.text), rl.tooLong})
		return true
	})
	want := []got{{1, maxLine, false}, {2, 0, true}, {3, maxLine, false}, {4, 0, true}, {5, 1, false}, {6, 0, true}, {7, 0, true}}
	if len(lines) != len(want) {
		t.Fatalf("lines %v, want %v", lines, want)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i+1, lines[i], want[i])
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestEndlessLineIsReadNoFurtherThanTheCap: a line with no end (/dev/zero) ends the input with
// an error once maxDrain bytes of it are read, not later.
func TestEndlessLineIsReadNoFurtherThanTheCap(t *testing.T) {
	in := &countingReader{r: zeroReader{}}
	var last rawLine
	readLines(in, func(rl rawLine) bool { last = rl; return true })
	var ne *errNoEnd
	if !errors.As(last.err, &ne) || ne.line != 1 {
		t.Fatalf("last line %+v, want errNoEnd on line 1", last)
	}
	if in.n < maxDrain || in.n > maxDrain+2*(maxLine+2) {
		t.Errorf("read %d bytes, want about %d", in.n, maxDrain)
	}
}

// TestBatchLineKeysAreExact: a key is an API parameter name exactly as the spec spells it, once.
// encoding/json alone matches "AUTH_USER" to auth_user and keeps the last of two equal keys, so
// {"sip_registration_id":1,"Sip_Registration_Id":2} would update registration 2.
func TestBatchLineKeysAreExact(t *testing.T) {
	for _, tt := range []struct{ line, want string }{
		{`{"sip_registration_id":1,"AUTH_USER":"x"}`, `unknown field "AUTH_USER"`},
		{`{"sip_registration_id":1,"Sip_Registration_Id":2,"auth_user":"x"}`, `unknown field "Sip_Registration_Id"`},
		{`{"sip_registration_id":1,"sip_registration_id":2,"auth_user":"x"}`, `field "sip_registration_id" given twice`},
		{`{"sip_registration_id":1,"auth_user":"x","auth_user":"y"}`, `field "auth_user" given twice`},
	} {
		_, err := parseLine(opUpdate, []byte(tt.line))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.line, err, tt.want)
		}
	}
	// A bad line's result names the registration it was decoded for, unless its id is given twice.
	for line, want := range map[string]int64{
		`{"sip_registration_id":4,"pasword":"x"}`:                           4,
		`{"sip_registration_id":4,"auth_user":5}`:                           4,
		`{"sip_registration_id":1,"sip_registration_id":2}`:                 0,
		`{"sip_registration_id":1,"auth_user":"a","auth_user":"b"}`:         0,
		`{"sip_registration_id":1,"auth_user":"a","Sip_Registration_Id":2}`: 1,
	} {
		p, err := parseLine(opUpdate, []byte(line))
		if id := registrationID(opUpdate, p); err == nil || id != want {
			t.Errorf("%s: id %d, %v; want id %d and an error", line, id, err, want)
		}
	}
	if _, err := parseLine(opUpdate, []byte(`{"sip_registration_id":1,"auth_user":"x","password":"p\u00e9"}`)); err != nil {
		t.Errorf("a good line: %v", err)
	}
	srv, creds := fake(t, seedIDs(2))
	r := runCLI(t, nil, []string{"update", "--batch", writeFile(t, `{"sip_registration_id":1,"Sip_Registration_Id":2,"auth_user":"x"}`+"\n"),
		"--credentials", creds, "--base-url", srv.URL})
	if r.code != exitNothing || len(srv.Requests()) != 0 {
		t.Errorf("exit %d, %d requests sent; want 2 and none: stdout %s", r.code, len(srv.Requests()), r.stdout)
	}
}

// TestBatchLinesFollowTheCommandsRules: a batch line is refused where the same request from
// flags is: an update that changes nothing (it would be sent and reported ok), and an empty
// value for an operation where empty clears nothing (create).
func TestBatchLinesFollowTheCommandsRules(t *testing.T) {
	for _, tt := range []struct {
		o          operation
		line, want string
	}{
		{opUpdate, `{"sip_registration_id":1}`, "nothing to update"},
		{opUpdate, `{"sip_registration_id":1,"auth_user":null}`, "nothing to update"},
		{opCreate, `{"sip_username":"a","proxy":"p","auth_user":""}`, `auth_user: an empty value is refused`},
		// As from --password-stdin: an empty password is refused, and one that JSON would alter
		// (a lone surrogate becomes U+FFFD) is not sent altered.
		{opUpdate, `{"sip_registration_id":1,"password":""}`, "password: the password is empty"},
		{opUpdate, `{"sip_registration_id":1,"password":"a\ud800b"}`, `a \u escape that is no character`},
		{opUpdate, `{"sip_registration_id":1,"password":"a\udc00\ud800"}`, `a \u escape that is no character`},
		{opUpdate, `{"sip_registration_id":1,"password":"a\uD83D"}`, `a \u escape that is no character`},
		// Decoded once, by the generated decoder: a wrong type names the field and the types,
		// malformed JSON says where, and neither quotes a value.
		{opUpdate, `{"sip_registration_id":"7","auth_user":"x"}`, `field sip_registration_id: got a JSON string, want an integer`},
		{opUpdate, `{"sip_registration_id":1,"auth_user":["s3cret"]}`, `field auth_user: got a JSON array, want a string`},
		{opUpdate, `{"sip_registration_id":1,"password":"s3cret"`, `not valid JSON (it ends early)`},
		{opUpdate, `{"sip_registration_id":1,"password":"s3cret"} {"sip_registration_id":2}`, `more than one JSON value`},
		{opUpdate, `["s3cret"]`, `got a JSON array, want an object of parameters`},
	} {
		_, err := parseLine(tt.o, []byte(tt.line))
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s %s: %v, want an error with %q", tt.o.op.ID, tt.line, err, tt.want)
		}
	}
	for _, tt := range []struct {
		o    operation
		line string
	}{
		{opUpdate, `{"sip_registration_id":1,"auth_user":""}`}, // clears it
		{opUpdate, `{"sip_registration_id":1,"password":"x"}`},
		{opUpdate, `{"sip_registration_id":1,"password":"\ud83d\ude00 \\ud800 \u00e9"}`}, // a pair, an escaped backslash
		{opUpdate, `{"sip_registration_id":1,"proxy":"q"}`},
		{opDelete, `{"sip_registration_id":1}`},
		{opCreate, `{"sip_username":"a","proxy":"p"}`},
	} {
		if _, err := parseLine(tt.o, []byte(tt.line)); err != nil {
			t.Errorf("%s %s: %v", tt.o.op.ID, tt.line, err)
		}
	}
}

// lineSource gives one line of an update batch per Read and counts the lines given.
type lineSource struct {
	given, total int
}

func (s *lineSource) Read(p []byte) (int, error) {
	if s.given == s.total {
		return 0, io.EOF
	}
	s.given++
	line := fmt.Sprintf(`{"sip_registration_id":%d,"auth_user":"u"}`+"\n", s.given)
	if len(p) < len(line) {
		return 0, io.ErrShortBuffer
	}
	return copy(p, line), nil
}

// gateWriter holds every write until open is closed.
type gateWriter struct {
	open  chan struct{}
	lines int
	held  int // the results in the first write, held
	bytes int // its size
}

func (w *gateWriter) Write(p []byte) (int, error) {
	if w.lines == 0 {
		w.held, w.bytes = bytes.Count(p, []byte("\n")), len(p)
	}
	<-w.open
	w.lines += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

// TestBatchReadsAheadABoundedWindow: while the printer cannot write the first results (those it
// gathered into one write: at most flushAt bytes), the batch reads at most a window of lines ahead
// of them (4 × --concurrency + 64 result slots and the few in hand), not the
// whole input, whether it sends the lines (to senders that
// answer at once, no network) or checks them (--dry-run). synctest.Wait returns once every
// goroutine of the batch is blocked (the printer on its write, the feeder on the full window),
// so what was read then is counted without any timing.
func TestBatchReadsAheadABoundedWindow(t *testing.T) {
	sent := opUpdate
	sent.send = func(context.Context, *api.Client, any) (int64, any, error) { return 0, nil, nil }
	for _, conc := range []int{1, 4, 256} {
		for _, dryRun := range []bool{true, false} {
			synctest.Test(t, func(t *testing.T) {
				window := 4*conc + 64 + 4
				in := &lineSource{total: 10 * window}
				out := &gateWriter{open: make(chan struct{})}
				c := &cli{env: &env{stdout: out, stderr: io.Discard}, ctx: context.Background(), hard: context.Background()}
				b := &batch{c: c, o: sent, cf: &commonFlags{timeout: time.Minute}, bf: &batchFlags{concurrency: conc, dryRun: dryRun}}
				done := make(chan error, 1)
				go func() { done <- b.run(in) }()
				synctest.Wait()
				if in.given > window+out.held || in.given < window-8+out.held || out.bytes > flushAt+1024 {
					t.Errorf("--concurrency %d, dry run %v: %d lines read while the first %d results (%d bytes) wait to be written, want the window of %d after them",
						conc, dryRun, in.given, out.held, out.bytes, window)
				}
				close(out.open)
				if err := <-done; err != nil || in.given != in.total || out.lines != in.total {
					t.Errorf("--concurrency %d, dry run %v: %v; read %d lines, printed %d, want %d", conc, dryRun, err, in.given, out.lines, in.total)
				}
			})
		}
	}
}
