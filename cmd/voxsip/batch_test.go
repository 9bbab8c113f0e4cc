package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/internal/testutil"
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
		"line 5\tid 4\tbad line: voxsip: UpdateSipRegistration: invalid parameters: user_id",
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
		// The dispatcher has taken tick i, so at most i+1 lines were handed out.
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

// connCounter is a minimal API answering {"result":1} that counts new TCP connections.
func connCounter(tb testing.TB) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"result":1}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv, &conns
}

func TestBatchReusesConnections(t *testing.T) {
	srv, conns := connCounter(t)
	creds := throwawayCreds(t)
	batch := writeFile(t, updateLines(400))
	r := runCLI(t, nil, []string{"update", "--credentials", creds, "--base-url", srv.URL + "/platform_api", "--batch", batch, "--concurrency", "16"}, secrets(400)...)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if n := conns.Load(); n > 16+4 {
		t.Errorf("%d new connections for 400 requests at concurrency 16", n)
	}
}

// TestBatchResume: a second run with --resume does exactly the lines the first did not.
func TestBatchResume(t *testing.T) {
	srv, creds := fake(t, seedIDs(6))
	batch := writeFile(t, updateLines(6))
	srv.Enqueue(apitest.Error(2, "internal error"), apitest.Error(2, "internal error"), apitest.Error(2, "internal error"))
	args := []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--concurrency", "1", "--json", "--attempts", "1"}
	r := runCLI(t, nil, args, secrets(6)...)
	if r.code != 1 {
		t.Fatalf("first run: exit %d", r.code)
	}
	// The first run's results, cut short as if killed mid-write after line 4.
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	results := writeFile(t, strings.Join(lines[:4], "\n")+"\n"+lines[4][:10])
	first := len(srv.Requests())
	r = runCLI(t, nil, append(args, "--resume", results), secrets(6)...)
	if r.code != 0 {
		t.Fatalf("resumed run: exit %d, stderr %q", r.code, r.stderr)
	}
	var redone []int64
	for _, req := range srv.Requests()[first:] {
		redone = append(redone, req.Params.(*api.UpdateSIPRegistrationParams).SIPRegistrationID)
	}
	slices.Sort(redone)
	if want := []int64{1, 2, 3, 5, 6}; !slices.Equal(redone, want) {
		t.Errorf("resumed run sent ids %v, want %v (lines 1-3 failed, 4 was done, 5-6 unknown)", redone, want)
	}
	if !strings.Contains(r.stdout, `{"line":4,"ok":true,"sip_registration_id":4,"skipped":"done in a previous run"}`) {
		t.Errorf("resumed run output:\n%s", r.stdout)
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

// gated is an API whose answers wait for release; it reports each request's arrival.
func gated(t *testing.T) (*httptest.Server, chan struct{}, chan struct{}, *atomic.Int64) {
	arrived, release := make(chan struct{}, 100), make(chan struct{})
	var answered atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		answered.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"result":1}`))
	}))
	t.Cleanup(srv.Close)
	return srv, arrived, release, &answered
}

func waitN(t *testing.T, ch <-chan struct{}, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-ch:
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of %d requests arrived", i, n)
		}
	}
}

func await(t *testing.T, done <-chan result) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("voxsip did not return")
	}
	return result{}
}

// TestBatchFirstInterruptDrains: in-flight requests finish, nothing new is sent, and the batch
// says it was interrupted and exits 1 — also when the reader had already taken the last lines
// from the input (they wait in its buffer) when Ctrl-C came: nothing is lost silently.
func TestBatchFirstInterruptDrains(t *testing.T) {
	for _, tc := range []struct {
		name               string
		lines, concurrency int
	}{
		{"input still being read", 50, 3},
		{"input already read to its end", 5, 1}, // fewer lines than the reader's buffer
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, arrived, release, answered := gated(t)
			creds := throwawayCreds(t)
			// Unbuffered: the send below returns once the CLI has taken the interrupt, and the drain
			// it starts at once beats the HTTP round trip that release lets finish.
			sigs := make(chan os.Signal)
			batch := writeFile(t, updateLines(tc.lines))
			done := make(chan result, 1)
			go func() {
				done <- runEnvCLI(t, &env{sigs: sigs}, []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch,
					"--concurrency", fmt.Sprint(tc.concurrency), "--json"}, secrets(tc.lines)...)
			}()
			waitN(t, arrived, tc.concurrency)
			select {
			case sigs <- os.Interrupt:
			case <-time.After(testutil.WaitLimit):
				t.Fatal("the CLI never took the interrupt")
			}
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

// throwawayCreds writes credentials for servers that do not check tokens.
func throwawayCreds(t testing.TB) string {
	srv := apitest.NewServer()
	defer srv.Close()
	return writeCreds(t, srv)
}
