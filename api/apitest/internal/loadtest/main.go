// Command loadtest sends many requests through the real client (package api) to the fake run
// as voxsip serve runs it (apitest.Serve), and reports throughput and memory: the resident set
// (VmRSS from /proc/self/status, Linux) and the Go heap in use after a GC, before the server
// starts, after a warm-up of 1,000 requests and at the end. A bounded request log keeps the
// memory flat however long the fake runs.
//
//	go run ./api/apitest/internal/loadtest -n 100000 -c 8
//
// Each worker repeats create, update, get (by id), delete, so the state stays small and every
// operation is exercised. It exits non-zero if any call fails.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

func main() {
	n := flag.Int("n", 100000, "requests to send after the warm-up")
	conc := flag.Int("c", 8, "concurrent workers")
	logSize := flag.Int("log", apitest.DefaultLogSize, "the fake's request log size")
	flag.Parse()
	if err := run(*n, *conc, *logSize, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(n, conc, logSize int, out io.Writer) error {
	report := func(when string) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(out, "%-28s VmRSS %7.1f MiB   heap in use %6.1f MiB   goroutines %d\n",
			when, float64(rss())/1024, float64(ms.HeapInuse)/(1<<20), runtime.NumGoroutine())
	}
	report("before the server starts")

	dir, err := os.MkdirTemp("", "voxsip-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	creds := filepath.Join(dir, "credentials.json")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- apitest.Serve(ctx, apitest.ServeConfig{Addr: "127.0.0.1:0", CredentialsFile: creds, LogSize: logSize}, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		cancel()
		return fmt.Errorf("serve printed no URL: %v", <-served)
	}
	base := strings.TrimSpace(sc.Text())
	go io.Copy(io.Discard, pr)
	defer func() {
		cancel()
		<-served
	}()

	client, err := api.NewClient(api.WithBaseURL(base), api.WithCredentialsFile(creds), api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		return err
	}
	send := func(total int) (time.Duration, error) {
		var next atomic.Int64
		var firstErr error
		var once sync.Once
		var wg sync.WaitGroup
		start := time.Now()
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(4) <= int64(total) {
					if err := cycle(client); err != nil {
						once.Do(func() { firstErr = err })
						return
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start), firstErr
	}
	if _, err := send(1000); err != nil {
		return err
	}
	report("after 1,000 requests")
	took, err := send(n)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d requests, %d workers: %s, %.0f requests/s\n", n, conc, took.Round(time.Millisecond), float64(n)/took.Seconds())
	report(fmt.Sprintf("after %d more", n))
	return nil
}

// cycle is four requests: create, update, get, delete.
func cycle(c *api.Client) error {
	ctx := context.Background()
	created, err := c.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "load", Proxy: "sip.example.com", Password: api.Ptr("secret")})
	if err != nil {
		return err
	}
	id := created.SIPRegistrationID
	if err := c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: id, ApplicationName: api.Ptr("app"), UserID: api.Ptr(id)}); err != nil {
		return err
	}
	page, err := c.GetSIPRegistrations(ctx, &api.GetSIPRegistrationsParams{SIPRegistrationID: api.Ptr(id)})
	if err != nil {
		return err
	}
	if page.Count != 1 {
		return fmt.Errorf("get %d: count %d", id, page.Count)
	}
	return c.DeleteSIPRegistration(ctx, &api.DeleteSIPRegistrationParams{SIPRegistrationID: id})
}

// rss returns VmRSS in KiB (0 where /proc is missing).
func rss() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb
		}
	}
	return 0
}
