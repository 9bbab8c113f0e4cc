package jsonerr

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestDescribeQuotesNoInput(t *testing.T) {
	var v struct {
		N int   `json:"n"`
		B uint8 `json:"b"`
	}
	decode := func(s string, strict bool) error {
		d := json.NewDecoder(bytes.NewReader([]byte(s)))
		if strict {
			d.DisallowUnknownFields()
		}
		return d.Decode(&v)
	}
	tests := []struct {
		in     string
		strict bool
		want   string
	}{
		{`{"n": "SECRET"}`, false, "field n: got a JSON string, want an integer"},
		{`"SECRET"`, false, "got a JSON string, want an object"},
		{`{"SECRET\q": 1}`, false, "not valid JSON (syntax error at byte"},
		{`{"SECRET": 1}`, true, `unknown field "SECRET"`},
		{`{"n": 1`, false, "not valid JSON (it ends early)"},
		{`{"b": 300}`, false, "field b: got a JSON number, want an integer"}, // out of range: the number is not said
		{`{"n": 1e999}`, false, "field n: got a JSON number, want an integer"},
		{``, false, "not valid JSON (it ends early)"},
	}
	for _, tt := range tests {
		got := Describe(decode(tt.in, tt.strict))
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: Describe = %q, want prefix %q", tt.in, got, tt.want)
		}
		if tt.want != `unknown field "SECRET"` && (strings.Contains(got, "SECRET") || strings.Contains(got, "300") || strings.Contains(got, "999")) {
			t.Errorf("%s: Describe quotes the input: %q", tt.in, got)
		}
	}
}
