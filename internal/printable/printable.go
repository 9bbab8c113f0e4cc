// Package printable makes text from a server safe to show on a terminal, inside one line.
package printable

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s with what a terminal would act on or show as nothing escaped: control
// characters (C0, DEL, C1), the Unicode line and paragraph separators, the format characters
// (category Cf: the bidirectional controls, zero-width space and joiners, soft hyphen, word
// joiner, byte order mark, tags) and the other default-ignorable code points (variation
// selectors, Hangul fillers), and bytes that are not UTF-8 become \xNN, \uNNNN or \UNNNNNNNN,
// so that two different names never look the same. Other text, backslashes included, is kept;
// an emoji sequence joined by U+200D or with a variation selector shows its parts.
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
		case escaped(r, size) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
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
	case r == 0x2028, r == 0x2029:
		return true
	case r < 0xad: // the first format character: the common case stops here
		return false
	}
	return unicode.In(r, invisible...)
}

// invisible are the characters that show as nothing (or change how others show) yet make a
// string different: format characters (Cf, the bidirectional controls among them) and the other
// default-ignorable code points.
var invisible = []*unicode.RangeTable{unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector}
