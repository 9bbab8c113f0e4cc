package printable_test

import (
	"strings"
	"testing"
	"unicode"

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
		// Characters that show as nothing, so that "bob" and "b\u200bob" look alike.
		"b\u200bob shy\u00ad zwnj\u200c zwj\u200d lrm\u200e rlm\u200f": `b\u200bob shy\u00ad zwnj\u200c zwj\u200d lrm\u200e rlm\u200f`,
		"wj\u2060 fa\u2061 it\u2062 is\u2063 ip\u2064 bom\ufeff":       `wj\u2060 fa\u2061 it\u2062 is\u2063 ip\u2064 bom\ufeff`,
		"filler\u3164 vs\ufe0f alm\u061c mvs\u180e":                    `filler\u3164 vs\ufe0f alm\u061c mvs\u180e`,
		"tag\U000e0001 music\U0001d173":                                `tag\U000e0001 music\U0001d173`,
		// Visible neighbours are kept.
		"nbsp\u00a0 hyphen\u2010 ideographic\u3000": "nbsp\u00a0 hyphen\u2010 ideographic\u3000",
	} {
		if got := printable.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every format character (category Cf) and default-ignorable code point is escaped, whatever
// Unicode version the toolchain has: none can make two names look the same.
func TestStringEscapesEveryInvisibleCharacter(t *testing.T) {
	for _, table := range []*unicode.RangeTable{unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector} {
		n := 0
		for r := rune(0); r <= unicode.MaxRune; r++ {
			if !unicode.Is(table, r) {
				continue
			}
			n++
			if got := printable.String("a" + string(r) + "b"); !strings.HasPrefix(got, `a\u`) && !strings.HasPrefix(got, `a\U`) {
				t.Errorf("String(%U) = %q, want it escaped", r, got)
			}
		}
		if n == 0 {
			t.Errorf("an empty range table %v", table)
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
		{"a\U000e0001", 10, "a…"}, // \U000e0001 is ten bytes
		{"a\U000e0001", 11, `a\U000e0001`},
	} {
		if got := printable.Cut(c.in, c.max); got != c.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
