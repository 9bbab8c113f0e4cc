package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxsip/voxsip/auth"
)

const (
	benchLines       = 20000
	benchConcurrency = 16
)

// BenchmarkBatch sends 20k updates at concurrency 16 to a minimal loopback API, through
// 'voxsip update --batch' and through a plain worker pool (16 goroutines, one shared client with
// a large idle pool) sending the same requests: the same query, a bearer token minted once, and
// the JSON answer decoded and checked. Each reports lines/s and new TCP connections.
//
//	go test -run '^$' -bench BenchmarkBatch -benchtime 3x ./cmd/voxsip
func BenchmarkBatch(b *testing.B) {
	b.Run("voxsip", func(b *testing.B) {
		srv, conns := connCounter(b)
		creds := throwawayCreds(b)
		batch := writeBenchFile(b, updateLines(benchLines))
		args := []string{"update", "--credentials", creds, "--base-url", srv.URL + "/platform_api", "--batch", batch,
			"--concurrency", fmt.Sprint(benchConcurrency), "--json"}
		b.ResetTimer()
		start := time.Now()
		for range b.N {
			if code := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
				b.Fatalf("exit %d", code)
			}
		}
		report(b, start, conns.Load())
	})
	b.Run("pool", func(b *testing.B) {
		srv, conns := connCounter(b)
		creds, err := auth.LoadCredentials(throwawayCreds(b))
		if err != nil {
			b.Fatal(err)
		}
		ts, err := auth.NewTokenSource(creds)
		if err != nil {
			b.Fatal(err)
		}
		tok, err := ts.Token(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		bearer := "Bearer " + tok.Value()
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		hc := &http.Client{Transport: t, Timeout: 30 * time.Second}
		defer t.CloseIdleConnections()
		b.ResetTimer()
		start := time.Now()
		for range b.N {
			jobs := make(chan int)
			var wg sync.WaitGroup
			for range benchConcurrency {
				wg.Go(func() {
					for i := range jobs {
						q := url.Values{"sip_registration_id": {fmt.Sprint(i)}, "proxy": {fmt.Sprintf("p%d", i)}, "password": {pw(i)}}
						req, err := http.NewRequest(http.MethodPost, srv.URL+"/platform_api/UpdateSipRegistration?"+q.Encode(), nil)
						if err != nil {
							b.Error(err)
							continue
						}
						req.Header.Set("Authorization", bearer)
						resp, err := hc.Do(req)
						if err != nil {
							b.Error(err)
							continue
						}
						var r struct {
							Result int `json:"result"`
						}
						err = json.NewDecoder(resp.Body).Decode(&r)
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if err != nil || r.Result != 1 {
							b.Errorf("line %d: result %d, %v", i, r.Result, err)
						}
					}
				})
			}
			for i := 1; i <= benchLines; i++ {
				jobs <- i
			}
			close(jobs)
			wg.Wait()
		}
		report(b, start, conns.Load())
	})
}

func report(b *testing.B, start time.Time, conns int64) {
	b.StopTimer()
	b.ReportMetric(float64(benchLines*b.N)/time.Since(start).Seconds(), "lines/s")
	b.ReportMetric(float64(conns)/float64(b.N), "new_conns/run")
}

func writeBenchFile(b *testing.B, content string) string {
	path := b.TempDir() + "/batch.jsonl"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
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
