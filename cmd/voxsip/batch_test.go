package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// pw is line n's password in batch tests.
func pw(n int) string { return fmt.Sprintf("%s-%d", sentinel, n) }

func updateLines(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"sip_registration_id": %d, "proxy": "p%d", "password": "%s"}`+"\n", i, i, pw(i))
	}
	return b.String()
}

// passwordsByID returns what the fake saw: id -> password.
func passwordsByID(t *testing.T, srv *apitest.Server) map[int64]string {
	t.Helper()
	got := map[int64]string{}
	for _, r := range srv.Requests() {
		p := r.Params.(*api.UpdateSIPRegistrationParams)
		if p.Password == nil {
			t.Errorf("id %d: no password sent", p.SIPRegistrationID)
			continue
		}
		got[p.SIPRegistrationID] = *p.Password
	}
	return got
}

func checkAllSent(t *testing.T, srv *apitest.Server, n int) {
	t.Helper()
	got := passwordsByID(t, srv)
	if len(got) != n || len(srv.Requests()) != n {
		t.Fatalf("the fake saw %d requests for %d ids, want %d", len(srv.Requests()), len(got), n)
	}
	for i := 1; i <= n; i++ {
		if got[int64(i)] != pw(i) {
			t.Errorf("id %d: the fake saw password %q, want %q", i, got[int64(i)], pw(i))
		}
	}
}

func secrets(n int) []string {
	var s []string
	for i := 1; i <= n; i++ {
		s = append(s, pw(i))
	}
	return s
}

// TestBatchFromPipes: a pipe is read once, whether given as a path or as -.
func TestBatchFromPipes(t *testing.T) {
	for _, mode := range []string{"path", "stdin"} {
		t.Run(mode, func(t *testing.T) {
			srv, creds := fake(t, seedIDs(5))
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			go func() {
				w.WriteString(updateLines(5))
				w.Close()
			}()
			args := []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", "-"}
			e := &env{stdin: r}
			if mode == "path" {
				args[len(args)-1] = fmt.Sprintf("/dev/fd/%d", r.Fd())
				e.stdin = strings.NewReader("")
			}
			res := runEnvCLI(t, e, args, secrets(5)...)
			if res.code != 0 || !strings.Contains(res.stderr, "5 lines: 5 ok") {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			checkAllSent(t, srv, 5)
		})
	}
}

func TestBatchFlagLimits(t *testing.T) {
	srv, creds := fake(t)
	batch := writeFile(t, updateLines(2))
	for _, tt := range []struct{ flag, value, want string }{
		{"--rps", "2e9", "--rps must be 0 (no limit) or a number from 0.001 to 10000"},
		{"--rps", "Inf", "--rps must be"},
		{"--rps", "1e-10", "--rps must be"},
		{"--rps", "1e-400", "--rps must be"}, // rounds to 0, which would mean no limit
		{"--rps", "NaN", "--rps must be"},
		{"--rps", "-1", "--rps must be"},
		{"--concurrency", "99999999999", "--concurrency must be between 1 and 256"},
		{"--concurrency", "0", "--concurrency must be between 1 and 256"},
		{"--concurrency", "257", "--concurrency must be between 1 and 256"},
	} {
		r := runCLI(t, nil, []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, tt.flag, tt.value})
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s %s: exit %d, stderr %q; want 2 and %q", tt.flag, tt.value, r.code, r.stderr, tt.want)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestBatchBadLines: a BOM is ignored, a line over 1 MiB and other bad lines are reported with
// their number and skipped, the rest are sent; results come in input order; a mixed batch exits
// 1 and an all-bad one 2.
func TestBatchBadLines(t *testing.T) {
	srv, creds := fake(t, seedIDs(9)) // every id the file names exists: only the bad lines fail
	long := `{"sip_registration_id": 9, "proxy": "` + strings.Repeat("x", 2<<20) + `"}`
	batch := writeFile(t, "\xEF\xBB\xBF"+`{"sip_registration_id": 1, "password": "`+pw(1)+`"}`+"\n"+
		"\n"+
		long+"\n"+
		`{"sip_registration_id": 3, "pasword": "`+pw(3)+`"}`+"\n"+
		`{"sip_registration_id": 4, "user_id": 9}`+"\r\n"+
		`{"sip_registration_id": 5, "password": "`+pw(5)+`\q"}`+"\n"+
		`{"sip_registration_id": 6, "password": "`+pw(6)+`"}`) // no final newline
	r := runCLI(t, nil, []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--concurrency", "3"}, secrets(6)...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (some lines bad after sending began); stderr %q", r.code, r.stderr)
	}
	want := []string{
		"line 1\tid 1\tok",
		"line 3\tid -\tbad line: longer than 1048576 bytes",
		"line 4\tid 3\tbad line: unknown field \"pasword\"",
		"line 5\tid 4\tbad line: UpdateSipRegistration: invalid parameters: user_id",
		"line 6\tid -\tbad line: not valid JSON",
		"line 7\tid 6\tok",
	}
	got := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d result lines, want %d:\n%s", len(got), len(want), r.stdout)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("result %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	if !strings.Contains(r.stderr, "6 lines: 2 ok, 0 failed, 4 bad") {
		t.Errorf("summary: %q", r.stderr)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}

	allBad := writeFile(t, "nonsense\n"+long+"\n")
	r = runCLI(t, nil, []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", allBad})
	if r.code != 2 {
		t.Errorf("all lines bad: exit %d, want 2 (nothing sent)", r.code)
	}
}

// TestBatchOrderAndPasswords: many lines at high concurrency, each line's own password arrives,
// and results print in input order.
func TestBatchOrderAndPasswords(t *testing.T) {
	srv, creds := fake(t, seedIDs(200))
	batch := writeFile(t, updateLines(200))
	r := runCLI(t, nil, []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--concurrency", "16", "--json"}, secrets(200)...)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	checkAllSent(t, srv, 200)
	for i, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m struct {
			Line int   `json:"line"`
			OK   bool  `json:"ok"`
			ID   int64 `json:"sip_registration_id"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil || m.Line != i+1 || !m.OK || m.ID != int64(i+1) {
			t.Fatalf("result %d = %q", i, line)
		}
	}
}

// TestBatchCreateAndDelete: the other batch operations; the delete batch removes what the create
// batch made.
func TestBatchCreateAndDelete(t *testing.T) {
	srv, creds := fake(t, apitest.WithRegistrationIDs(4))
	batch := writeFile(t, `{"sip_username":"a","proxy":"p","password":"`+pw(1)+`"}`+"\n"+`{"sip_username":"b"}`+"\n")
	r := runCLI(t, nil, []string{"create", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--json"}, pw(1))
	if r.code != 1 || !strings.Contains(r.stdout, `"sip_registration_id":5`) || !strings.Contains(r.stdout, `"line":2`) {
		t.Errorf("create batch: exit %d\n%s", r.code, r.stdout)
	}
	if p := srv.Requests()[0].Params.(*api.CreateSIPRegistrationParams); p.Password == nil || *p.Password != pw(1) {
		t.Errorf("create batch sent password %v", p.Password)
	}
	if regs := srv.Registrations(); len(regs) != 2 || regs[1].SIPRegistrationID != 5 || regs[1].SIPUsername != "a" {
		t.Fatalf("after the create batch the fake holds %+v", regs)
	}
	batch = writeFile(t, `{"sip_registration_id":5}`+"\n")
	r = runCLI(t, nil, []string{"delete", "--credentials", creds, "--base-url", srv.URL, "--batch", batch})
	if r.code != 0 || r.stdout != "line 1\tid 5\tok\n" {
		t.Errorf("delete batch: exit %d, %q", r.code, r.stdout)
	}
	if regs := srv.Registrations(); len(regs) != 1 || regs[0].SIPRegistrationID != 4 {
		t.Errorf("after the delete batch the fake holds %+v, want only 4", regs)
	}
}

// TestBatchRPSWaitsForTheTicker drives the pacing with an injected ticker: no request beyond the
// first goes out before its tick.
func TestBatchRPSWaitsForTheTicker(t *testing.T) {
	srv, creds := fake(t, seedIDs(4))
	ticks := make(chan time.Time)
	var interval atomic.Int64
	e := &env{newTicker: func(d time.Duration) (<-chan time.Time, func()) {
		interval.Store(int64(d))
		return ticks, func() {}
	}}
	batch := writeFile(t, updateLines(4))
	done := make(chan result, 1)
	go func() {
		done <- runEnvCLI(t, e, []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--rps", "2", "--concurrency", "8"}, secrets(4)...)
	}()
	for i := 1; i <= 3; i++ {
		select {
		case ticks <- time.Time{}:
		case <-time.After(20 * time.Second):
			t.Fatalf("tick %d: the batch never waited for the ticker", i)
		}
		// The feeder has taken tick i, so at most i+1 lines were handed out.
		if n := len(srv.Requests()); n > i+1 {
			t.Fatalf("after %d ticks, %d requests", i, n)
		}
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the batch did not finish")
	}
	if r.code != 0 || time.Duration(interval.Load()) != 500*time.Millisecond {
		t.Errorf("exit %d, interval %v; stderr %q", r.code, time.Duration(interval.Load()), r.stderr)
	}
	checkAllSent(t, srv, 4)
}

// The batch's client reuses its connections: at most --concurrency of them, each kept in the
// idle pool between requests, so 400 requests at concurrency 16 open 16 connections (not 400).
// This checks the transport's settings, which decide it; it does not count connections, since
// net/http drops a connection now and then by timing (a request write it has not seen finish
// 50 ms after the answer), more often on a loaded machine. BenchmarkBatch reports the count
// (new_conns/run).
func TestClientTransportKeepsItsConnections(t *testing.T) {
	for _, conns := range []int{1, 4, 16, 100, maxConcurrency} {
		tr := transport(nil, conns)
		if tr.MaxConnsPerHost != conns || tr.MaxIdleConnsPerHost < conns || tr.MaxIdleConns < tr.MaxIdleConnsPerHost ||
			tr.DisableKeepAlives || tr.IdleConnTimeout != 0 && tr.IdleConnTimeout < 30*time.Second {
			t.Errorf("%d connections: MaxConnsPerHost %d, MaxIdleConnsPerHost %d, MaxIdleConns %d, DisableKeepAlives %v, IdleConnTimeout %v",
				conns, tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost, tr.MaxIdleConns, tr.DisableKeepAlives, tr.IdleConnTimeout)
		}
	}
}

// TestBatchStopsWhenTheServiceIsDown: 10 network failures in a row end the batch early.
func TestBatchStopsWhenTheServiceIsDown(t *testing.T) {
	closed := apitest.NewServer()
	creds := writeCreds(t, closed)
	closed.Close()
	batch := writeFile(t, updateLines(100))
	r := runCLI(t, nil, []string{"update", "--credentials", creds, "--base-url", closed.URL, "--batch", batch, "--concurrency", "2", "--attempts", "1"}, secrets(100)...)
	if r.code != 1 || !strings.Contains(r.stderr, "stopped early: 10 requests in a row could not reach the API") ||
		!strings.Contains(r.stderr, "were not sent") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "\n"); n < 10 || n > 20 {
		t.Errorf("%d results, want about 10", n)
	}
}

// TestBatchDryRun: --batch with --dry-run checks every line and reports each, sends nothing and
// needs no credentials; a bad line makes the exit code 2.
func TestBatchDryRun(t *testing.T) {
	srv, _ := fake(t, seedIDs(2))
	batch := writeFile(t, updateLines(2)+"nonsense\n")
	r := runCLI(t, nil, []string{"update", "--batch", batch, "--dry-run", "--base-url", srv.URL}, secrets(2)...)
	want := "line 1\tid 1\tvalid (dry run: not sent)\nline 2\tid 2\tvalid (dry run: not sent)\nline 3\tid -\tbad line: not valid JSON"
	if r.code != exitNothing || !strings.HasPrefix(r.stdout, want) || len(srv.Requests()) != 0 ||
		!strings.Contains(r.stderr, "dry run: 3 lines: 2 valid, 1 bad; nothing was sent") {
		t.Errorf("exit %d, %d requests\nstdout %s\nstderr %s", r.code, len(srv.Requests()), r.stdout, r.stderr)
	}
	r = runCLI(t, nil, []string{"update", "--batch", writeFile(t, updateLines(2)), "--dry-run", "--json", "--base-url", srv.URL}, secrets(2)...)
	if r.code != 0 || !strings.HasPrefix(r.stdout, `{"dry_run":true,"line":1,"ok":true,"op":"`+opUpdate.op.ID+`","params_digest":"`) || len(srv.Requests()) != 0 {
		t.Errorf("--json: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
}

// A create batch refuses a line for the registration (sip_username and proxy, as a pair) that an
// earlier line creates: a bad line, never sent, whose result names the earlier line; with
// --dry-run too, and with --resume when the earlier line was done in a previous run.
func TestBatchRefusesDuplicateCreates(t *testing.T) {
	srv, creds := fake(t)
	lines := []string{
		`{"sip_username":"a","proxy":"p"}`,
		`{"sip_username":"b","proxy":"p"}`,
		`{"sip_username":"a","proxy":"p","auth_user":"other"}`, // line 3: line 1 again
		`{"sip_username":"a","proxy":"p2"}`,
		`{"sip_username":"a@p","proxy":"x"}`,
		`{"sip_username":"a","proxy":"p@x"}`,
		`{"sip_username":"b","proxy":"p"}`, // line 7: line 2 again
	}
	batch := writeFile(t, strings.Join(lines, "\n")+"\n")
	wantBad := map[int]string{3: "bad line: line 1 creates a@p already", 7: "bad line: line 2 creates b@p already"}
	check := func(name string, r result, sent bool) {
		t.Helper()
		for i, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
			var res struct {
				Line  int
				OK    bool
				Error string
			}
			if err := json.Unmarshal([]byte(l), &res); err != nil || res.Line != i+1 {
				t.Fatalf("%s: result %q (%v)", name, l, err)
			}
			if want, bad := wantBad[res.Line]; res.OK == bad || bad && !strings.HasPrefix(res.Error, want) {
				t.Errorf("%s: line %d: %s; want ok %v, error %q", name, res.Line, l, !bad, want)
			}
		}
		if n := strings.Count(r.stdout, "\n"); n != len(lines) {
			t.Errorf("%s: %d results for %d lines", name, n, len(lines))
		}
		if want := map[bool]int{true: len(lines) - len(wantBad)}[sent]; len(srv.Requests()) != want {
			t.Errorf("%s: %d requests, want %d", name, len(srv.Requests()), want)
		}
	}
	r := runCLI(t, nil, []string{"create", "--batch", batch, "--dry-run", "--json"})
	check("dry run", r, false)
	r = runCLI(t, nil, []string{"create", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--json"})
	check("sent", r, true)
	if r.code != exitFailed || len(srv.Registrations()) != len(lines)-len(wantBad) {
		t.Errorf("exit %d, %d registrations; stderr %q", r.code, len(srv.Registrations()), r.stderr)
	}
	results := writeFile(t, r.stdout)
	srv.ResetState()
	r = runCLI(t, nil, []string{"create", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--json", "--resume", results})
	if !strings.Contains(r.stdout, `"error":"bad line: line 1 creates a@p already`) || len(srv.Requests()) != 0 {
		t.Errorf("--resume: line 1 done before, line 3 still bad: stdout %s, %d requests", r.stdout, len(srv.Requests()))
	}
}

// Once stopped, the feeder neither waits for the next --rps tick nor hands a line to a sender,
// even when a tick is ready and a sender idle: a select would pick among them at random.
func TestStoppedFeederSendsNothingNew(t *testing.T) {
	stop, cancel := context.WithCancel(context.Background())
	cancel()
	b := &batch{}
	tick := make(chan time.Time, 1)
	jobs := make(chan job, 1)
	for i := range 200 {
		tick <- time.Time{}
		first := false
		if b.wait(stop, tick, &first) {
			t.Fatalf("try %d: the feeder went on to the next tick after the stop", i)
		}
		<-tick
		if give(stop, jobs, job{line: i}) {
			t.Fatalf("try %d: the feeder handed a line to an idle sender after the stop", i)
		}
	}
}
