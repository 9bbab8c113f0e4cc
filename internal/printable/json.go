package printable

import (
	"fmt"
	"unicode/utf8"
)

// JSON returns the JSON text b with the characters String escapes that JSON allows raw inside
// strings (DEL, C1 controls, the line and paragraph separators, the bidirectional overrides and
// isolates) written as \uXXXX escapes, and each byte that is not UTF-8 as \ufffd (what a decoder
// reads it as): the same JSON value, safe to show on a terminal. b must be valid JSON: then such
// characters stand only inside strings, and the control characters below U+0020 it may hold are
// white space between tokens, kept. b is returned as it is when nothing needs an escape.
func JSON(b []byte) []byte {
	i := 0
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x7f && escaped(r, size) {
			break
		}
		i += size
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r >= 0x7f && escaped(r, size):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}
