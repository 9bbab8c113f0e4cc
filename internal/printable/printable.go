// Package printable makes text from a server safe to show on a terminal, inside one line.
package printable

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String returns s with what a terminal would act on escaped: control characters (C0, DEL,
// C1), the Unicode line and paragraph separators, the bidirectional overrides and isolates, and
// bytes that are not UTF-8 become \xNN or \uNNNN. Other text, backslashes included, is kept.
func String(s string) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if escaped(r, size) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && escaped(r, size):
			fmt.Fprintf(&b, `\x%02x`, r)
		case escaped(r, size):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// escaped reports whether the rune r (size bytes of input) is escaped by String.
func escaped(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
