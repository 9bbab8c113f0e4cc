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

func TestCut(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"short\n", 10, `short\x0a`},
		{"exactly10!", 10, "exactly10!"},
		{"eleven1234\x1b", 10, "eleven1234…"},
		{"ab😀cd", 4, "ab…"},              // not inside the emoji's bytes
		{"\x1b\x1b\x1b", 8, `\x1b\x1b…`}, // max counts the escaped text, never cut inside an escape
		{"\x1b\x1b\x1b", 11, `\x1b\x1b…`},
		{"\x1b\x1b\x1b", 12, `\x1b\x1b\x1b`},
	} {
		if got := printable.Cut(c.in, c.max); got != c.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
