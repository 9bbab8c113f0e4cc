// Package redact finds secrets in text a server returned, however the server escaped them.
//
// It does not list encodings of a secret, which always misses one. It decodes the text instead,
// layer by layer, keeping for every decoded character the bytes of the original text it came
// from, and compares with the secret at every layer, case-folded:
//
//   - JSON string escapes: \" \\ \/ \b \f \n \r \t and \uXXXX, surrogate pairs included;
//   - HTML character references: named (&amp;), decimal (&#64;) and hexadecimal (&#x40;);
//   - URL escapes (%XX, decoded as UTF-8), with '+' standing for a space;
//
// applied again on the result (double escaping, an HTML-escaped text inside a JSON string) up to
// maxLayers times. Invalid UTF-8, in the text or in a secret, compares as U+FFFD per bad byte or
// per run of bad bytes. What matches is masked in the original text, so that no remnant of an
// escape is left. A text that still holds a long enough piece of a secret (a server that cut or
// reordered it) is reported, so that the caller can withhold it.
package redact

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxLayers bounds how many times the text is decoded again.
const maxLayers = 4

// pieceRunes is the length of a piece of a secret that, found outside every masked span, makes
// a text suspect. Secrets shorter than this are only recognised whole.
const pieceRunes = 8

// unit is one character of a decoding of the text: the rune (folded to lower case) and the
// bytes [start, end) of the original text it comes from.
type unit struct {
	r          rune
	start, end int32
}

// span is a byte range of the original text.
type span struct{ start, end int }

// Mask replaces every part of text that decodes to one of secrets with mask. suspect reports that
// the result still holds a piece of a secret (pieceRunes characters or more, in any decoding)
// outside the public strings (text known not to be secret, such as parameter names and the
// request's other values, which a secret may share a piece with): the caller should not show it.
func Mask(text string, secrets, public []string, mask string) (masked string, suspect bool) {
	if text == "" || len(secrets) == 0 {
		return text, false
	}
	targets, pieces := prepare(secrets)
	if len(targets) == 0 {
		return text, false
	}
	var found, seenPieces []span
	layer := initial(text)
	for i := 0; ; i++ {
		found = append(found, matches(layer, targets)...)
		seenPieces = append(seenPieces, pieceMatches(layer, pieces)...)
		if i == maxLayers {
			break
		}
		next, changed := decode(layer)
		if !changed {
			break
		}
		layer = next
	}
	found = merge(found)
	var publicSpans []span // where the public strings are, found when first needed
	publicFound := false
	for _, p := range seenPieces {
		if covered(found, p) {
			continue
		}
		if !publicFound {
			publicSpans, publicFound = merge(matches(initial(text), foldAll(public))), true
		}
		if !covered(publicSpans, p) {
			suspect = true
			break
		}
	}
	return replace(text, found, mask), suspect
}

// foldAll folds each non-empty string of ss to a rune slice.
func foldAll(ss []string) [][]rune {
	var out [][]rune
	for _, s := range ss {
		if s != "" {
			out = append(out, fold([]rune(s)))
		}
	}
	return out
}

// prepare folds each secret the ways it may compare (invalid bytes as one U+FFFD each, or one per
// run; ß and the ligatures spelled out, see multiRuneUpper) and collects the pieces of the long
// ones.
func prepare(secrets []string) (targets [][]rune, pieces map[[pieceRunes]rune]bool) {
	pieces = map[[pieceRunes]rune]bool{}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, v := range []string{s, strings.ToValidUTF8(s, "\uFFFD"), multiRuneUpper.Replace(s)} {
			t := fold([]rune(v)) // []rune gives one U+FFFD per invalid byte
			if slices.ContainsFunc(targets, func(o []rune) bool { return slices.Equal(o, t) }) {
				continue
			}
			targets = append(targets, t)
			for i := 0; i+pieceRunes <= len(t); i++ {
				pieces[pieceKey(t[i:i+pieceRunes])] = true
			}
		}
	}
	return targets, pieces
}

// multiRuneUpper spells the letters that other languages' upper-casing (Java, JavaScript,
// Python) turns into several letters as those letters: Go's per-rune mapping leaves them alone,
// so "STRASSE" would not fold to the secret "straße".
var multiRuneUpper = strings.NewReplacer("ß", "ss", "ẞ", "ss", "ﬀ", "ff", "ﬁ", "fi", "ﬂ", "fl", "ﬃ", "ffi", "ﬄ", "ffl", "ﬅ", "st", "ﬆ", "st")

func fold(rs []rune) []rune {
	for i, r := range rs {
		rs[i] = unicode.ToLower(r)
	}
	return rs
}

// pieceKey is a piece with '+' and ' ' made alike, as '+' may stand for a space.
func pieceKey(rs []rune) [pieceRunes]rune {
	var k [pieceRunes]rune
	for i, r := range rs {
		if r == ' ' {
			r = '+'
		}
		k[i] = r
	}
	return k
}

// initial is the text itself, one unit per rune (per byte where it is not valid UTF-8).
func initial(text string) []unit {
	out := make([]unit, 0, len(text))
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		out = append(out, unit{unicode.ToLower(r), int32(i), int32(i + size)})
		i += size
	}
	return out
}

// same reports whether a text rune stands for a secret rune: equal once folded, or a '+' for a
// space (form encoding).
func same(text, secret rune) bool { return text == secret || (text == '+' && secret == ' ') }

// matches returns the spans of layer that are one of targets.
func matches(layer []unit, targets [][]rune) []span {
	var out []span
	for _, t := range targets {
		for i := 0; i+len(t) <= len(layer); i++ {
			if !same(layer[i].r, t[0]) {
				continue
			}
			k := 1
			for k < len(t) && same(layer[i+k].r, t[k]) {
				k++
			}
			if k == len(t) {
				out = append(out, span{int(layer[i].start), int(layer[i+k-1].end)})
			}
		}
	}
	return out
}

// pieceMatches returns the spans of layer that are a piece of a secret.
func pieceMatches(layer []unit, pieces map[[pieceRunes]rune]bool) []span {
	if len(pieces) == 0 {
		return nil
	}
	var out []span
	var w [pieceRunes]rune
	for i := 0; i+pieceRunes <= len(layer); i++ {
		for k := range w {
			w[k] = layer[i+k].r
		}
		if pieces[pieceKey(w[:])] {
			out = append(out, span{int(layer[i].start), int(layer[i+pieceRunes-1].end)})
		}
	}
	return out
}

// decode decodes one layer of escapes of every kind, and reports whether anything changed.
func decode(layer []unit) ([]unit, bool) {
	out := make([]unit, 0, len(layer))
	changed := false
	for i := 0; i < len(layer); {
		var us []unit
		var n int
		switch layer[i].r {
		case '\\':
			us, n = jsonEscape(layer[i:])
		case '&':
			us, n = htmlReference(layer[i:])
		case '%':
			us, n = urlEscapes(layer[i:])
		}
		if n == 0 {
			out = append(out, layer[i])
			i++
			continue
		}
		out = append(out, us...)
		i += n
		changed = true
	}
	return out, changed
}

// jsonSimple are the one-character JSON escapes and what they stand for.
var jsonSimple = map[rune]rune{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// jsonEscape decodes the JSON escape at the start of us (a surrogate pair as one rune); n is
// how many units it took, 0 for none. Hex digits and 'u' may be of either case (folded).
func jsonEscape(us []unit) (out []unit, n int) {
	if len(us) < 2 {
		return nil, 0
	}
	if r, ok := jsonSimple[us[1].r]; ok {
		return []unit{{r, us[0].start, us[1].end}}, 2
	}
	r, ok := hex4(us)
	if !ok {
		return nil, 0
	}
	if utf16.IsSurrogate(r) {
		if low, ok := hex4(us[6:]); ok {
			if pair := utf16.DecodeRune(r, low); pair != utf8.RuneError {
				return []unit{{unicode.ToLower(pair), us[0].start, us[11].end}}, 12
			}
		}
		r = utf8.RuneError
	}
	return []unit{{unicode.ToLower(r), us[0].start, us[5].end}}, 6
}

// hex4 reads "\uXXXX" at the start of us.
func hex4(us []unit) (rune, bool) {
	if len(us) < 6 || us[0].r != '\\' || us[1].r != 'u' {
		return 0, false
	}
	var r rune
	for _, u := range us[2:6] {
		d, ok := hexDigit(u.r)
		if !ok {
			return 0, false
		}
		r = r<<4 | d
	}
	return r, true
}

func hexDigit(r rune) (rune, bool) {
	switch {
	case '0' <= r && r <= '9':
		return r - '0', true
	case 'a' <= r && r <= 'f': // units are folded
		return r - 'a' + 10, true
	}
	return 0, false
}

// maxReference bounds the length of a named HTML character reference, "&" to ";".
const maxReference = 32

// htmlReference decodes the HTML character reference at the start of us: "&#NN;" or "&#xHH;"
// (the ';' may be missing) or "&name;".
func htmlReference(us []unit) ([]unit, int) {
	if len(us) > 2 && us[1].r == '#' {
		return numericReference(us)
	}
	end := 1
	for end < len(us) && end < maxReference && isNameRune(us[end].r) {
		end++
	}
	if end == 1 || end == len(us) || us[end].r != ';' {
		return nil, 0
	}
	var ref strings.Builder
	for _, u := range us[:end+1] {
		ref.WriteRune(u.r)
	}
	decoded := html.UnescapeString(ref.String())
	if decoded == ref.String() {
		return nil, 0
	}
	var out []unit // a few references stand for two runes
	for _, r := range decoded {
		out = append(out, unit{unicode.ToLower(r), us[0].start, us[end].end})
	}
	return out, end + 1
}

func isNameRune(r rune) bool { return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' }

// numericReference decodes "&#NN" or "&#xHH", with an optional ';'. Leading zeros, which HTML
// allows any number of, do not count towards the digits read.
func numericReference(us []unit) ([]unit, int) {
	i, base := 2, rune(10)
	if us[2].r == 'x' {
		i, base = 3, 16
	}
	var r rune
	digits, significant := 0, 0
	for ; i < len(us) && significant < 8; i++ {
		d, ok := hexDigit(us[i].r)
		if !ok || d >= base {
			break
		}
		r = r*base + d
		digits++
		if r > 0 {
			significant++
		}
	}
	if digits == 0 {
		return nil, 0
	}
	if i < len(us) && us[i].r == ';' {
		i++
	}
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	return []unit{{unicode.ToLower(r), us[0].start, us[i-1].end}}, i
}

// urlEscapes decodes the run of %XX escapes at the start of us as UTF-8 (an invalid byte as
// U+FFFD); each rune keeps the escapes of its bytes.
func urlEscapes(us []unit) ([]unit, int) {
	var bytes []byte
	var from []int // the unit index where each byte's escape starts
	n := 0
	for n+2 < len(us) && us[n].r == '%' {
		hi, ok1 := hexDigit(us[n+1].r)
		lo, ok2 := hexDigit(us[n+2].r)
		if !ok1 || !ok2 {
			break
		}
		bytes = append(bytes, byte(hi<<4|lo))
		from = append(from, n)
		n += 3
	}
	if n == 0 {
		return nil, 0
	}
	var out []unit
	for i := 0; i < len(bytes); {
		r, size := utf8.DecodeRune(bytes[i:])
		out = append(out, unit{unicode.ToLower(r), us[from[i]].start, us[from[i+size-1]+2].end})
		i += size
	}
	return out, n
}

// merge sorts spans and joins those that overlap.
func merge(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var out []span
	for _, s := range spans {
		if len(out) > 0 && s.start < out[len(out)-1].end {
			out[len(out)-1].end = max(out[len(out)-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// covered reports whether p lies inside one of the merged spans.
func covered(merged []span, p span) bool {
	i, _ := slices.BinarySearchFunc(merged, p.start, func(s span, start int) int {
		if s.end <= start {
			return -1
		}
		if s.start > start {
			return 1
		}
		return 0
	})
	return i < len(merged) && merged[i].start <= p.start && p.end <= merged[i].end
}

// replace puts mask in place of each merged span of text.
func replace(text string, merged []span, mask string) string {
	if len(merged) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, s := range merged {
		b.WriteString(text[last:s.start])
		b.WriteString(mask)
		last = s.end
	}
	b.WriteString(text[last:])
	return b.String()
}
