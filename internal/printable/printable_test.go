package printable_test

import (
	"testing"

	"github.com/voxsip/voxsip/internal/printable"
)

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcode 😀 and \\n as text": "plain text, ünïcode 😀 and \\n as text",
		"a\r\nb\tc\x00\x7f":                     `a\x0d\x0ab\x09c\x00\x7f`,
		"\x1b[31mred":                           `\x1b[31mred`,
		"nel\u0085 ls\u2028 ps\u2029":           `nel\u0085 ls\u2028 ps\u2029`,
		"rlo\u202e lri\u2066 pdi\u2069":         `rlo\u202e lri\u2066 pdi\u2069`,
		"bad \xff byte":                         `bad \xff byte`,
		"":                                      "",
	} {
		if got := printable.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}
