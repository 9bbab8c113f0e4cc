// Command batchbench measures `voxsip update --batch` against a plain Go worker pool sending the
// same requests, each as its own process, against a minimal API in a third process that answers
// {"result":1} and counts new TCP connections (make bench-batch).
//
//	go build -o voxsip ./cmd/voxsip && go run ./internal/batchbench -voxsip ./voxsip
//
// Each round runs each, one after the other (which goes first rotates, so that drift on the
// machine falls on all), and reports lines per second of wall time, process start included, and
// the ratios; the last line gives their medians. voxsip's --json results go to a file, as they
// would for a later --resume (`> results.jsonl`), and are checked: a result line per line, ok. The pool is what a Go programmer would write by
// hand: 16 goroutines, one http.Client with a large idle pool, a bearer token minted once, each
// answer decoded and checked. "pool" builds each request from the line's number and reads no
// input, so it does less than the batch (which reads, decodes and checks each line, and writes a
// --json result for it); "pool-file" reads the same file as voxsip, one line at a time with
// bufio.Scanner and encoding/json, and writes nothing.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
)

func main() {
	mode := flag.String("mode", "rounds", "rounds (the measurement), or a child's part: serve, pool")
	voxsip := flag.String("voxsip", "", "the voxsip binary to measure (rounds)")
	rounds := flag.Int("rounds", 5, "paired rounds")
	lines := flag.Int("lines", 50000, "lines (requests) per run")
	conc := flag.Int("concurrency", 16, "requests in flight")
	base := flag.String("url", "", "the API's URL (pool)")
	creds := flag.String("credentials", "", "credentials.json (pool)")
	batch := flag.String("batch", "", "with -mode pool: read the requests from this JSON Lines file, as voxsip does")
	flag.Parse()
	var err error
	switch *mode {
	case "serve":
		err = serve(os.Stdin, os.Stdout)
	case "pool":
		err = pool(*base, *creds, *batch, *lines, *conc)
	case "rounds":
		err = measure(*voxsip, *rounds, *lines, *conc, os.Stdout)
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "batchbench:", err)
		os.Exit(1)
	}
}

// serve answers every request with {"result":1} until in ends; GET /_conns says how many TCP
// connections it has accepted. Its first line on out is its URL.
func serve(in io.Reader, out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var conns atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/_conns" {
				fmt.Fprint(w, conns.Load())
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"result":1}`))
		}),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
	}
	go srv.Serve(ln)
	if _, err := fmt.Fprintf(out, "http://%s\n", ln.Addr()); err != nil {
		return err
	}
	io.Copy(io.Discard, in) // until the parent closes it
	return srv.Close()
}

// update is one request's parameters.
type update struct {
	ID       int    `json:"sip_registration_id"`
	Proxy    string `json:"proxy"`
	Password string `json:"password"`
}

// pool sends lines updates from conc goroutines, as BenchmarkBatch's pool does: made up from each
// line's number, or (batch != "") read from the JSON Lines file with encoding/json.
func pool(base, credsPath, batch string, lines, conc int) error {
	creds, err := auth.LoadCredentials(credsPath)
	if err != nil {
		return err
	}
	ts, err := auth.NewTokenSource(creds)
	if err != nil {
		return err
	}
	tok, err := ts.Token(context.Background())
	if err != nil {
		return err
	}
	bearer := "Bearer " + tok.Value()
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: t, Timeout: 30 * time.Second}
	jobs := make(chan update)
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for u := range jobs {
				if send(hc, base, bearer, u) != nil {
					failed.Add(1)
				}
			}
		})
	}
	err = feed(jobs, batch, lines)
	close(jobs)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d requests failed", n)
	}
	return err
}

// feed gives jobs the updates: lines made up, or each line of the file batch.
func feed(jobs chan<- update, batch string, lines int) error {
	if batch == "" {
		for i := 1; i <= lines; i++ {
			jobs <- update{i, fmt.Sprintf("p%d", i), password(i)}
		}
		return nil
	}
	f, err := os.Open(batch)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var u update
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil {
			return err
		}
		jobs <- u
	}
	return sc.Err()
}

func send(hc *http.Client, base, bearer string, u update) error {
	q := url.Values{"sip_registration_id": {strconv.Itoa(u.ID)}, "proxy": {u.Proxy}, "password": {u.Password}}
	req, err := http.NewRequest(http.MethodPost, base+"/platform_api/UpdateSipRegistration?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", bearer)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Result int `json:"result"`
	}
	err = json.NewDecoder(resp.Body).Decode(&r)
	io.Copy(io.Discard, resp.Body)
	if err != nil || r.Result != 1 {
		return fmt.Errorf("result %d, %v", r.Result, err)
	}
	return nil
}

func password(i int) string { return fmt.Sprintf("batchbench-password-%d", i) }

// measure runs the paired rounds and prints their table and the median ratio.
func measure(voxsip string, rounds, lines, conc int, out io.Writer) error {
	if voxsip == "" {
		return errors.New("-voxsip: the voxsip binary to measure is required")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "batchbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	creds, batch, err := inputs(dir, lines)
	if err != nil {
		return err
	}
	base, conns, stop, err := startServer(self)
	if err != nil {
		return err
	}
	defer stop()
	pool := []string{self, "-mode", "pool", "-url", base, "-credentials", creds, "-lines", strconv.Itoa(lines), "-concurrency", strconv.Itoa(conc)}
	args := map[string][]string{
		"voxsip": {voxsip, "update", "--credentials", creds, "--base-url", base + "/platform_api", "--batch", batch,
			"--concurrency", strconv.Itoa(conc), "--json"},
		"pool":      pool,
		"pool-file": append(slices.Clip(pool), "-batch", batch),
	}
	fmt.Fprintf(out, "%d lines per run, concurrency %d, wall time per process; pool: requests made up from the line's\n", lines, conc)
	fmt.Fprintf(out, "number; pool-file: read from the same file as voxsip (bufio.Scanner, encoding/json)\n\n")
	fmt.Fprintln(out, "| round | voxsip, lines/s | pool | voxsip/pool | pool-file | voxsip/pool-file | voxsip's new connections | CPU µs/line, user+system: voxsip | pool | pool-file |")
	fmt.Fprintln(out, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	var ratios, fileRatios []float64
	for r := 1; r <= rounds; r++ {
		order := []string{"voxsip", "pool", "pool-file"}
		for range r % 3 { // each goes first in turn
			order = append(order[1:], order[0])
		}
		rate, cpu, newConns := map[string]float64{}, map[string]string{}, int64(0)
		for _, who := range order {
			results := ""
			if who == "voxsip" {
				results = filepath.Join(dir, "results.jsonl")
			}
			run, err := timed(args[who], results, conns, lines)
			if err != nil {
				return fmt.Errorf("%s: %w", who, err)
			}
			rate[who], cpu[who] = run.rate, run.cpu
			if who == "voxsip" {
				newConns = run.newConns
			}
		}
		ratios = append(ratios, rate["voxsip"]/rate["pool"])
		fileRatios = append(fileRatios, rate["voxsip"]/rate["pool-file"])
		fmt.Fprintf(out, "| %d | %.0f | %.0f | %.2f | %.0f | %.2f | %d | %s | %s | %s |\n", r, rate["voxsip"], rate["pool"], ratios[r-1],
			rate["pool-file"], fileRatios[r-1], newConns, cpu["voxsip"], cpu["pool"], cpu["pool-file"])
	}
	_, err = fmt.Fprintf(out, "\nmedian ratio voxsip/pool: %.2f; voxsip/pool-file: %.2f\n", median(ratios), median(fileRatios))
	return err
}

// median is the middle value of xs, or the mean of the two middle ones.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[n/2]
}

// run is what timed measured of one process.
type run struct {
	rate     float64 // lines per second of wall time
	cpu      string  // user+system CPU µs per line
	newConns int64   // new connections the server accepted meanwhile
}

// timed runs the command args and measures it. With results != "", its standard output goes to
// that file, as a batch's --json results would (`> results.jsonl`), and must hold a result line
// per input line.
func timed(args []string, results string, conns func() (int64, error), lines int) (run, error) {
	cmd := exec.Command(args[0], args[1:]...)
	var msg bytes.Buffer
	cmd.Stdout, cmd.Stderr = &msg, &msg
	if results != "" {
		f, err := os.Create(results)
		if err != nil {
			return run{}, err
		}
		defer f.Close()
		cmd.Stdout = f
	}
	before, err := conns()
	if err != nil {
		return run{}, err
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return run{}, fmt.Errorf("%w: %s", err, lastLine(msg.Bytes()))
	}
	r := run{rate: float64(lines) / time.Since(start).Seconds()}
	ps := cmd.ProcessState
	r.cpu = fmt.Sprintf("%.1f+%.1f", perLine(ps.UserTime(), lines), perLine(ps.SystemTime(), lines))
	if results != "" {
		if err := countResults(results, lines); err != nil {
			return run{}, err
		}
	}
	after, err := conns()
	r.newConns = after - before
	return r, err
}

// countResults checks that the results file holds an ok result line per input line.
func countResults(results string, lines int) error {
	b, err := os.ReadFile(results)
	if err != nil {
		return err
	}
	if n, ok := bytes.Count(b, []byte("\n")), bytes.Count(b, []byte(`"ok":true`)); n != lines || ok != lines {
		return fmt.Errorf("%s holds %d result lines, %d of them ok; want %d ok", results, n, ok, lines)
	}
	return nil
}

// inputs writes the credentials of a throwaway account and the batch of lines updates.
func inputs(dir string, lines int) (creds, batch string, err error) {
	fake := apitest.NewServer()
	credsJSON := fake.CredentialsJSON()
	fake.Close()
	creds, batch = filepath.Join(dir, "credentials.json"), filepath.Join(dir, "batch.jsonl")
	if err := os.WriteFile(creds, credsJSON, 0o600); err != nil {
		return "", "", err
	}
	var b bytes.Buffer
	for i := 1; i <= lines; i++ {
		fmt.Fprintf(&b, `{"sip_registration_id": %d, "proxy": "p%d", "password": %q}`+"\n", i, i, password(i))
	}
	return creds, batch, os.WriteFile(batch, b.Bytes(), 0o600)
}

// startServer starts serve in a child process and returns its URL, a reader of its connection
// count, and a stop.
func startServer(self string) (base string, conns func() (int64, error), stop func(), err error) {
	cmd := exec.Command(self, "-mode", "serve")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, nil, err
	}
	stop = func() { stdin.Close(); cmd.Wait() }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, nil, fmt.Errorf("the server did not start: %w", err)
	}
	base = strings.TrimSpace(line)
	conns = func() (int64, error) {
		resp, err := http.Get(base + "/_conns")
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, err
		}
		return strconv.ParseInt(string(b), 10, 64)
	}
	return base, conns, stop, nil
}

func perLine(d time.Duration, lines int) float64 { return float64(d.Microseconds()) / float64(lines) }

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	return s[strings.LastIndexByte(s, '\n')+1:]
}
