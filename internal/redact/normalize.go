package redact

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxDecomposition is the most runes one rune decomposes to (U+FDFA, 18): the size of the buffer
// form writes to, which grows past it (allocating) should a later Unicode version need more.
const maxDecomposition = 18

// form appends to buf[:0] the runes r compares as: r's compatibility decomposition (NFKD: ä as
// a and U+0308, a fullwidth Ａ as A, ﬁ as fi, a Hangul syllable as its jamo), each rune folded
// (foldRune), the invisible ones left out but those k keeps. Both the text (rune by rune, each rune of a unit's
// form keeping the unit's bytes) and the secrets compare in this form, so that a server that
// echoes a secret composed (NFC), decomposed (NFD) or compatibility-normalised (NFKC, NFKD)
// still shows the secret. Each rune is decomposed on its own: combining marks are not
// reordered, which only matters for a secret with two marks of different classes on a letter.
func form(r rune, buf *[maxDecomposition]rune, k kept) []rune {
	if r < 0xa0 { // ASCII and C0/C1 controls decompose to themselves
		buf[0] = foldRune(r)
		return buf[:1]
	}
	out := buf[:0]
	for _, d := range decompose(r, buf) {
		if !ignorable(d) || k[d] {
			out = append(out, foldRune(d))
		}
	}
	return out
}

// decompose writes r's full compatibility decomposition to buf (r itself if it has none).
// kept are the invisible runes that a comparison keeps (see prepare); nil keeps none.
type kept map[rune]bool

func decompose(r rune, buf *[maxDecomposition]rune) []rune {
	const sBase, lBase, vBase, tBase, vCount, tCount, sCount = 0xAC00, 0x1100, 0x1161, 0x11A7, 21, 28, 11172
	if s := r - sBase; s >= 0 && s < sCount { // Hangul syllables decompose by arithmetic, not a table
		out := append(buf[:0], lBase+s/(vCount*tCount), vBase+s%(vCount*tCount)/tCount)
		if t := s % tCount; t != 0 {
			out = append(out, tBase+t)
		}
		return out
	}
	var b [utf8.UTFMax]byte
	d := norm.NFKD.Properties(b[:utf8.EncodeRune(b[:], r)]).Decomposition() // full, recursive
	out := buf[:0]
	if d == nil {
		return append(out, r)
	}
	for len(d) > 0 {
		c, size := utf8.DecodeRune(d)
		out = append(out, c)
		d = d[size:]
	}
	return out
}
