package main

import (
	"errors"
	"testing"
)

// With passOver (an update or delete batch, whose lines may be sent again), a result cut short is
// dropped wherever it is; anything else that starts like an object but is not a result written
// short (a note, JSON5, a line edited by hand) still refuses the file.
func TestSplitResultsPassesOverOnlyCutResults(t *testing.T) {
	for _, c := range []struct {
		text string
		objs int
		ok   bool
	}{
		{`{"line":5,"ok":tr{"line":1,"ok":true}`, 1, true},                 // cut, then the next run's result
		{`{"code":0,"error":"voxsip: x","li{"line":1,"ok":true}`, 1, true}, // a failure result (keys sorted), cut
		{`{"line":5,"ok":tr`, 0, true},                                     // cut at the end of the file
		{`{ this is not JSON at all, a note`, 0, false},                    // not a result
		{`{line: 1, ok: true}`, 0, false},                                  // JSON5
		{`{"line":1,"ok":true}} {"line":2,"ok":true}`, 0, false},           // a stray brace
		{`{"line":1,"ok":truex{"line":2,"ok":true}`, 0, false},             // a wrong byte, not a cut
	} {
		objs, _, err := splitResults([]byte(c.text), nil, true)
		if ok := err == nil; ok != c.ok || (ok && len(objs) != c.objs) {
			t.Errorf("%s: %d results, err %v; want ok %v with %d", c.text, len(objs), err, c.ok, c.objs)
		}
		if !c.ok && !errors.Is(err, errNotResult) {
			t.Errorf("%s: err %v, want errNotResult", c.text, err)
		}
	}
}
