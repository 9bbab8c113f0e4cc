// Command benchratio reads `go test -bench` output of BenchmarkUpdate (sub-benchmarks named
// mode=…/strategy=…), BenchmarkGetPage (via=…/rows=…/strategy=…, a row per page shape) and
// BenchmarkOverhead (strategy=…) and prints a Markdown table of medians
// with the client/raw ratios that BENCHMARKS.md records, then the client's own CPU per call. Medians, not means: the machine is noisy. The input should be rounds of
// the whole set (make bench runs it -count 1 several times): the n-th raw and client samples of a
// mode then ran back to back, and "paired" is the median of their ratios, which drift between
// rounds cannot skew.
//
//	make bench
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
)

var line = regexp.MustCompile(`^Benchmark(?:Update/mode=(\w+)|GetPage/(via=\w+/rows=[\w-]+)|Overhead)/strategy=(\w+)-\d+\s+\d+\s+([\d.]+) ns/op(?:\s+[\d.]+ B/op\s+([\d.]+) allocs/op)?`)

type key struct{ strategy, mode string }

type samples struct{ ns, allocs []float64 }

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
}

func run(r io.Reader, w io.Writer) error {
	data := map[key]*samples{}
	var pageModes []string // GetPage shapes, in input order
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		mode := m[1] + m[2]
		if mode == "" {
			mode = "overhead" // BenchmarkOverhead: no network
		}
		k := key{strategy: m[3], mode: mode}
		if data[k] == nil {
			data[k] = &samples{}
		}
		if m[2] != "" && !slices.Contains(pageModes, mode) {
			pageModes = append(pageModes, mode)
		}
		ns, _ := strconv.ParseFloat(m[4], 64)
		data[k].ns = append(data[k].ns, ns)
		if m[5] != "" {
			a, _ := strconv.ParseFloat(m[5], 64)
			data[k].allocs = append(data[k].allocs, a)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(data) == 0 {
		return fmt.Errorf("no BenchmarkUpdate, BenchmarkGetPage or BenchmarkOverhead lines in the input")
	}
	fmt.Fprintln(w, "| mode | raw ns/op | client ns/op | signPerCall ns/op | client/raw (medians) | client/raw (paired) | raw allocs | client allocs | client − raw allocs | runs |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, mode := range append([]string{"seq", "par", "par64"}, pageModes...) {
		raw, client, sign := data[key{"raw", mode}], data[key{"client", mode}], data[key{"signPerCall", mode}]
		if raw == nil || client == nil {
			continue
		}
		signNS := "-"
		if sign != nil {
			signNS = fmt.Sprintf("%.0f", median(sign.ns))
		}
		var pairs []float64
		for i := range min(len(raw.ns), len(client.ns)) {
			pairs = append(pairs, client.ns[i]/raw.ns[i])
		}
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %s | %.3f | %.3f | %.0f | %.0f | %+.0f | %d |\n", mode,
			median(raw.ns), median(client.ns), signNS, median(client.ns)/median(raw.ns), median(pairs),
			median(raw.allocs), median(client.allocs), median(client.allocs)-median(raw.allocs), len(client.ns))
	}
	raw, client := data[key{"raw", "overhead"}], data[key{"client", "overhead"}]
	if raw != nil && client != nil {
		fmt.Fprintf(w, "\nClient's own CPU per call (BenchmarkOverhead, no network; client − raw medians): %.1f µs, %+.0f allocations\n",
			(median(client.ns)-median(raw.ns))/1000, median(client.allocs)-median(raw.allocs))
	}
	return nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
