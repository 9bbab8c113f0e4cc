package main

import (
	"strings"
	"testing"
)

func TestRunComputesMedianRatios(t *testing.T) {
	in := `goos: linux
BenchmarkUpdate/mode=seq/strategy=raw-2   100  100 ns/op  10 B/op  80 allocs/op
BenchmarkUpdate/mode=seq/strategy=raw-2   100  300 ns/op  10 B/op  80 allocs/op
BenchmarkUpdate/mode=seq/strategy=raw-2   100  200 ns/op  10 B/op  80 allocs/op
BenchmarkUpdate/mode=seq/strategy=client-2   100  210 ns/op  10 B/op  85 allocs/op
BenchmarkUpdate/mode=seq/strategy=client-2   100  230 ns/op  10 B/op  85 allocs/op
BenchmarkUpdate/mode=seq/strategy=client-2   100  9999 ns/op  10 B/op  85 allocs/op
BenchmarkUpdate/mode=seq/strategy=signPerCall-2   100  5000 ns/op  10 B/op  99 allocs/op
BenchmarkOverhead/strategy=raw-2   100  5000 ns/op  10 B/op  25 allocs/op
BenchmarkGetPage/via=stub/rows=20-error_message/strategy=raw-2   100  1000 ns/op  10 B/op  200 allocs/op
BenchmarkGetPage/via=stub/rows=20-error_message/strategy=client-2   100  500 ns/op  10 B/op  210 allocs/op
BenchmarkOverhead/strategy=client-2   100  12500 ns/op  10 B/op  44 allocs/op
`
	var out strings.Builder
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	// Pairs: 210/100, 230/300, 9999/200 -> median 2.1.
	want := "| seq | 200 | 230 | 5000 | 1.150 | 2.100 | 80 | 85 | +5 | 3 |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("got\n%s\nwant a row %s", out.String(), want)
	}
	if want := "| via=stub/rows=20-error_message | 1000 | 500 | - | 0.500 | 0.500 | 200 | 210 | +10 | 1 |"; !strings.Contains(out.String(), want) {
		t.Errorf("got\n%s\nwant a row %s", out.String(), want)
	}
	if want := "own CPU per call (BenchmarkOverhead, no network; client − raw medians): 7.5 µs, +19 allocations"; !strings.Contains(out.String(), want) {
		t.Errorf("got\n%s\nwant %s", out.String(), want)
	}
	if err := run(strings.NewReader("nothing here"), &out); err == nil {
		t.Error("no error for input without benchmarks")
	}
}
