package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A batch allocates a few KB per line, nearly all of it net/http's request and response, and
// keeps little: its live heap is a megabyte or two. At the default GOGC=100 the collector then
// runs every few hundred lines, and on a small machine each cycle takes a processor from the
// senders for a while: a batch ran at 0.85× the lines/s of a plain worker pool with the default
// and 0.98× with GOGC=800 (BENCHMARKS.md §3). So a batch raises GOGC while its live heap is
// small, and puts it back once the heap grows (a create batch's digests of millions of lines, a
// large --resume): memory stays bounded by about (1 + batchGCPercent/100) × batchGCLive, as the
// Go compiler does with its starting heap. A GOGC or GOMEMLIMIT in the environment is the
// user's choice and is left alone.
const (
	batchGCPercent = 800
	batchGCLive    = 8 << 20 // live heap bytes past which GOGC goes back
	// batchGCEvery: the feeder looks at the live heap once per so many lines.
	batchGCEvery = 1024
)

// gcTuner raises GOGC for a batch (boost), watches the live heap (check) and puts GOGC back
// (restore). Safe for concurrent use: a feeder stuck in a read may check after the batch has
// restored. A nil *gcTuner does nothing.
type gcTuner struct {
	setPercent func(int) int // debug.SetGCPercent
	liveHeap   func() uint64 // the heap's live bytes as of the last collection
	getenv     func(string) string

	mu      sync.Mutex
	old     int
	boosted bool
}

// newGCTuner tunes the process's own collector.
func newGCTuner() *gcTuner {
	return &gcTuner{setPercent: debug.SetGCPercent, liveHeap: liveHeapBytes, getenv: os.Getenv}
}

// boost raises GOGC, unless the environment sets GOGC or GOMEMLIMIT.
func (g *gcTuner) boost() {
	if g == nil || g.getenv("GOGC") != "" || g.getenv("GOMEMLIMIT") != "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.boosted {
		g.old, g.boosted = g.setPercent(batchGCPercent), true
	}
}

// check puts GOGC back once the live heap has grown past batchGCLive.
func (g *gcTuner) check() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.boosted && g.liveHeap() > batchGCLive {
		g.putBack()
	}
}

// restore puts GOGC back as boost found it.
func (g *gcTuner) restore() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.boosted {
		g.putBack()
	}
}

func (g *gcTuner) putBack() {
	g.setPercent(g.old)
	g.boosted = false
}

// liveHeapBytes reads the runtime's count of live heap bytes (0 if this Go has none).
func liveHeapBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
