package printable_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/voxsip/voxsip/internal/printable"
)

// JSON escapes what a terminal acts on inside JSON strings and keeps the JSON value: the
// escaped text decodes to what the raw text decodes to.
func TestJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"a": 1}` + "\n":                          `{"a": 1}` + "\n",
		"{\n  \"c1\": \"x\u0085y\u009b31m\"\n}":    "{\n  \"c1\": \"x\\u0085y\\u009b31m\"\n}",
		`["ls` + "\u2028" + `ps` + "\u2029" + `"]`: `["ls\u2028ps\u2029"]`,
		`"rlo` + "\u202e" + `lri` + "\u2066" + `"`: `"rlo\u202elri\u2066"`,
		`"del` + "\x7f" + `bad` + "\xff" + `"`:     `"del\u007fbad\ufffd"`,
		`"ünïcode 😀 \u0085 kept as written"`:       `"ünïcode 😀 \u0085 kept as written"`,
	} {
		got := string(printable.JSON([]byte(in)))
		if got != want {
			t.Errorf("JSON(%q) = %q, want %q", in, got, want)
		}
		var before, after any
		if err := json.Unmarshal([]byte(in), &before); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if err := json.Unmarshal([]byte(got), &after); err != nil || !reflect.DeepEqual(before, after) {
			t.Errorf("JSON(%q) decodes to %#v (%v), the input to %#v", in, after, err, before)
		}
		for _, r := range got {
			if r >= 0x7f && printable.String(string(r)) != string(r) || r == utf8.RuneError {
				t.Errorf("JSON(%q) = %q: %U left raw", in, got, r)
			}
		}
	}
}
