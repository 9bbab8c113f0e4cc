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
	out, _ := escape(s, -1)
	return out
}

// Cut is String(s) cut to at most max bytes (never inside a rune or an escape), followed by "…"
// when it was cut: a server's text inside one line of an error, which a hostile server could
// otherwise make as long as its response.
func Cut(s string, max int) string {
	out, cut := escape(s, max)
	if cut {
		return out + "…"
	}
	return out
}

// escape is String(s), stopping before the output passes max bytes (no limit if max < 0); cut
// reports that it stopped.
func escape(s string, max int) (out string, cut bool) {
	i := 0
	for i < len(s) && (max < 0 || i < max) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if escaped(r, size) || (max >= 0 && i+size > max) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s[:i]) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := s[i : i+size]
		switch {
		case r == utf8.RuneError && size == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case r < 0x80 && escaped(r, size):
			piece = fmt.Sprintf(`\x%02x`, r)
		case escaped(r, size) && r > 0xffff:
			piece = fmt.Sprintf(`\U%08x`, r)
		case escaped(r, size):
			piece = fmt.Sprintf(`\u%04x`, r)
		}
		if max >= 0 && b.Len()+len(piece) > max {
			return b.String(), true
		}
		b.WriteString(piece)
		i += size
	}
	return b.String(), false
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
	}
	return Invisible(r)
}

// Invisible reports whether r shows as nothing (or changes how others show) yet makes a string
// different: a format character (category Cf: the soft hyphen, zero-width spaces and joiners,
// the bidirectional controls, the byte order mark, tags) or another default-ignorable code point
// (variation selectors, the combining grapheme joiner, Hangul fillers). String escapes these;
// package redact leaves them out when it compares a text with a secret, so that the two never
// disagree on what is invisible.
func Invisible(r rune) bool {
	if r < 0xad { // the first of them: the common case stops here
		return false
	}
	return unicode.In(r, InvisibleTables...)
}

// InvisibleTables are the range tables of Invisible, for tests that walk them.
var InvisibleTables = []*unicode.RangeTable{unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector}
