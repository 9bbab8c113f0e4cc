package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	benchLines       = 20000
	benchConcurrency = 16
)

// BenchmarkBatch sends 20k updates at concurrency 16 to a minimal loopback API, through
// 'voxsip update --batch' and through a plain worker pool (16 goroutines, one shared client with
// a large idle pool) sending the same requests. Each reports lines/s and new TCP connections.
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
						resp, err := hc.Post(srv.URL+"/platform_api/UpdateSipRegistration?"+q.Encode(), "", nil)
						if err != nil {
							b.Error(err)
							continue
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
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
