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
// senders for a while: a batch ran at 0.83–0.91× the lines/s of a plain worker pool with the
// default and 0.93–0.95× with GOGC=800 (BENCHMARKS.md §3). So a batch raises GOGC while its live
// heap is small, and puts it back once the heap grows (a create batch's digests of millions of
// lines, a large --resume), as the Go compiler does with its starting heap: while GOGC is raised
// the heap stays under about (1 + batchGCPercent/100) × batchGCLive (72 MiB). A GOGC or GOMEMLIMIT in the environment is the
// user's choice and is left alone.
const (
	batchGCPercent = 800
	batchGCLive    = 8 << 20 // live heap bytes past which GOGC goes back
	// batchGCEvery: the feeder looks at the live heap once per so many lines.
	batchGCEvery = 1024
)

// gcSetting is a collector's GOGC as the batches that tune it share it: the first batch's boost
// raises it, and the last one's restore, or a check that finds the heap large, puts back what
// the first found. Safe for concurrent use.
type gcSetting struct {
	setPercent func(int) int // debug.SetGCPercent

	mu      sync.Mutex
	batches int // batches between their boost and their restore
	old     int // GOGC as the first of them found it
	raised  bool
}

// processGC is the process's own collector.
var processGC = &gcSetting{setPercent: debug.SetGCPercent}

// gcTuner is one batch's part in tuning a collector: boost raises GOGC, check watches the live
// heap, restore ends the batch's part. Safe for concurrent use: after a stop the feeder may
// check after the batch has restored. A nil *gcTuner does nothing.
type gcTuner struct {
	gc       *gcSetting
	liveHeap func() uint64 // the heap's live bytes as of the last collection
	getenv   func(string) string
	active   bool // between boost and restore; under gc.mu
}

// newGCTuner tunes the process's own collector.
func newGCTuner() *gcTuner {
	return &gcTuner{gc: processGC, liveHeap: liveHeapBytes, getenv: os.Getenv}
}

// boost raises GOGC, unless the environment sets GOGC or GOMEMLIMIT or another batch has.
func (t *gcTuner) boost() {
	if t == nil || t.getenv("GOGC") != "" || t.getenv("GOMEMLIMIT") != "" {
		return
	}
	t.gc.mu.Lock()
	defer t.gc.mu.Unlock()
	if t.active {
		return
	}
	t.active = true
	if t.gc.batches++; t.gc.batches == 1 {
		t.gc.old, t.gc.raised = t.gc.setPercent(batchGCPercent), true
	}
}

// check puts GOGC back once the live heap has grown past batchGCLive.
func (t *gcTuner) check() {
	if t == nil {
		return
	}
	t.gc.mu.Lock()
	defer t.gc.mu.Unlock()
	if t.active && t.gc.raised && t.liveHeap() > batchGCLive {
		t.gc.putBack()
	}
}

// restore ends the batch's part: the last batch puts GOGC back.
func (t *gcTuner) restore() {
	if t == nil {
		return
	}
	t.gc.mu.Lock()
	defer t.gc.mu.Unlock()
	if !t.active {
		return
	}
	t.active = false
	if t.gc.batches--; t.gc.batches == 0 && t.gc.raised {
		t.gc.putBack()
	}
}

// putBack sets GOGC as the first batch found it; under mu.
func (s *gcSetting) putBack() {
	s.setPercent(s.old)
	s.raised = false
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
