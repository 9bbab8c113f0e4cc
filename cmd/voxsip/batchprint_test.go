package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/voxsip/voxsip/api"
)

// TestBatchJSONResultBytes: every --json result line is byte for byte what json.Marshal makes
// of the map of its keys (sorted keys, HTML escaping), fast path or not.
func TestBatchJSONResultBytes(t *testing.T) {
	cases := []outcome{
		{job: job{line: 1}, id: 7},
		{job: job{line: 1, digest: "0123456789abcdef"}, id: 7},
		{job: job{line: 11, digest: "0123456789abcdef"}},
		{job: job{line: 123456}, id: 0},
		{job: job{line: 2}, id: -3},
		{job: job{line: 3}, id: 9223372036854775807},
		{job: job{line: 4, skip: "done in a previous run", digest: "fedcba9876543210"}, id: 5},
		{job: job{line: 5, bad: errors.New("not valid <JSON> & more")}},
		{job: job{line: 6, bad: errors.New("x"), skip: "done in a previous run"}, id: 8},
		{job: job{line: 7}, id: 9, err: &api.Error{Op: "UpdateSipRegistration", Code: 0, Message: "m"}},
		{job: job{line: 8}, id: 9, err: errors.New("net\n  down"), unknown: true},
		{job: job{line: 9}, err: errors.New("")},
		{job: job{line: 10}, id: 3, checked: true},
	}
	for _, r := range cases {
		var got bytes.Buffer
		b := &batch{c: &cli{env: &env{stdout: &got}}, o: opCreate, cf: &commonFlags{json: true}}
		b.print(r)
		b.print(r) // the reused buffer
		err := r.err
		if r.bad != nil {
			err = errors.New("bad line: " + r.bad.Error())
		}
		want, _ := json.Marshal(resultJSON(r, err, opCreate.op.ID))
		want = append(want, '\n')
		if w2 := string(want) + string(want); got.String() != w2 {
			t.Errorf("line %d: got %q, want %q", r.line, got.String(), w2)
		}
	}
}
