package main

import (
	"context"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
)

// gogc reads the collector's GOGC without changing it.
func gogc(t *testing.T) int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		t.Fatal("this Go has no /gc/gogc:percent metric")
	}
	return int(s[0].Value.Uint64())
}

// A batch raises GOGC while its live heap is small, and puts it back as it found it: at the end,
// or as soon as the feeder sees the heap past batchGCLive. Each request records the GOGC it was
// sent under. With --concurrency 1, line 1 is sent before the feeder can reach line
// batchGCEvery (the window of result slots holds it back), and the last line is read after the
// feeder's check, also when a blank line follows every line (the feeder counts the lines it
// sees, not line numbers, every multiple of which is then blank).
func TestBatchRaisesGOGCWhileItsHeapIsSmall(t *testing.T) {
	for _, tc := range []struct{ big, blank bool }{{false, false}, {true, false}, {true, true}} {
		big := tc.big
		before := debug.SetGCPercent(137)
		var mu sync.Mutex
		seen := map[int64]int{}
		recording := opUpdate
		var live atomic.Uint64
		live.Store(1 << 20)
		recording.send = func(_ context.Context, _ *api.Client, p any) (int64, any, error) {
			id := registrationID(opUpdate, p)
			mu.Lock()
			seen[id] = gogc(t)
			mu.Unlock()
			if big && id == 1 {
				live.Store(batchGCLive + 1) // the heap grows past the bound
			}
			return 0, nil, nil
		}
		gc := &gcTuner{gc: &gcSetting{setPercent: debug.SetGCPercent}, liveHeap: live.Load, getenv: func(string) string { return "" }}
		lines := 2*batchGCEvery + 5
		c := &cli{env: &env{stdout: io.Discard, stderr: io.Discard}, ctx: context.Background(), hard: context.Background()}
		b := &batch{c: c, o: recording, cf: &commonFlags{timeout: time.Minute}, bf: &batchFlags{concurrency: 1}, gc: gc}
		input := updateLines(lines)
		if tc.blank {
			input = strings.ReplaceAll(input, "\n", "\n\n")
		}
		err := b.run(strings.NewReader(input))
		after := debug.SetGCPercent(before)
		first, last := seen[1], seen[int64(lines)]
		switch {
		case err != nil || len(seen) != lines:
			t.Fatalf("%+v: %v, %d lines sent of %d", tc, err, len(seen), lines)
		case after != 137:
			t.Errorf("%+v: GOGC is %d after the batch, want 137 as it was", tc, after)
		case first != batchGCPercent:
			t.Errorf("%+v: line 1 sent under GOGC %d, want %d", tc, first, batchGCPercent)
		case big && last != 137:
			t.Errorf("%+v: the last line sent under GOGC %d, want 137 put back", tc, last)
		case !big && last != batchGCPercent:
			t.Errorf("a small heap: the last line sent under GOGC %d, want %d", last, batchGCPercent)
		}
	}
}

// GOGC or GOMEMLIMIT in the environment is the user's choice: the tuner changes nothing.
func TestGCTunerLeavesTheUsersSettingsAlone(t *testing.T) {
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		set := 0
		g := &gcTuner{
			gc:       &gcSetting{setPercent: func(int) int { set++; return 100 }},
			liveHeap: func() uint64 { return batchGCLive + 1 },
			getenv: func(k string) string {
				if k == name {
					return "50"
				}
				return ""
			},
		}
		g.boost()
		g.check()
		g.restore()
		if set != 0 {
			t.Errorf("with %s set, the tuner set GOGC %d times", name, set)
		}
	}
	var none *gcTuner // a batch that does not tune
	none.boost()
	none.check()
	none.restore()
}

// Batches that overlap in one process share its collector: GOGC is raised once and put back as
// the first found it when the last one ends, in whichever order they end; a batch that boosts or
// restores twice, or a check after its restore, changes nothing.
func TestGCTunersThatOverlapPutGOGCBack(t *testing.T) {
	for _, aEndsFirst := range []bool{true, false} {
		gogc := 100
		setting := &gcSetting{setPercent: func(p int) int { old := gogc; gogc = p; return old }}
		tuner := func() *gcTuner {
			return &gcTuner{gc: setting, liveHeap: func() uint64 { return batchGCLive + 1 }, getenv: func(string) string { return "" }}
		}
		a, b := tuner(), tuner()
		a.boost()
		a.boost()
		b.boost()
		if gogc != batchGCPercent {
			t.Fatalf("GOGC %d while two batches run, want %d", gogc, batchGCPercent)
		}
		first, last := a, b
		if !aEndsFirst {
			first, last = b, a
		}
		first.restore()
		first.restore()
		first.check()
		if gogc != batchGCPercent {
			t.Errorf("a ends first %v: GOGC %d while one batch still runs, want %d", aEndsFirst, gogc, batchGCPercent)
		}
		last.restore()
		if gogc != 100 {
			t.Errorf("a ends first %v: GOGC %d after both, want 100", aEndsFirst, gogc)
		}
	}
}

// Only main's process tunes its collector: tests run batches side by side, and GOGC is global.
func TestOnlyMainTunesTheCollector(t *testing.T) {
	if !processEnv(nil).tuneGC {
		t.Error("main's env does not let batches tune the collector")
	}
}

// The tuner reads the runtime's live heap: more than nothing once a collection has run, and
// more after a large allocation that stays live.
func TestLiveHeapBytes(t *testing.T) {
	runtime.GC()
	small := liveHeapBytes()
	keep := make([]byte, 64<<20)
	runtime.GC()
	big := liveHeapBytes()
	runtime.KeepAlive(keep)
	if small == 0 || big < small+32<<20 {
		t.Errorf("live heap %d bytes, then %d with 64 MiB more kept", small, big)
	}
}
