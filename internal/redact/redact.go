// Package redact finds secrets in text a server returned, however the server escaped them.
//
// It does not list encodings of a secret, which always misses one. It decodes the text instead,
// layer by layer, keeping for every decoded character the bytes of the original text it came
// from, and compares with the secret at every layer, case-folded, in compatibility-decomposed
// form (NFKD, so that composed, decomposed and fullwidth echoes compare alike), with the
// invisible runes (printable.Invisible) left out:
//
//   - JSON string escapes: \" \\ \/ \b \f \n \r \t and \uXXXX, surrogate pairs included;
//   - HTML character references: named (&amp;), decimal (&#64;) and hexadecimal (&#x40;);
//   - URL escapes (%XX, decoded as UTF-8), with '+' standing for a space, and JavaScript
//     escape()'s %uXXXX (its %XX for U+0080 to U+00FF, a Latin-1 byte, compares as U+FFFD);
//
// applied again on the result (double escaping, an HTML-escaped text inside a JSON string) up to
// maxLayers times. Invalid UTF-8, in the text or in a secret, compares as U+FFFD per bad byte or
// per run of bad bytes. What matches is masked in the original text, so that no remnant of an
// escape is left. A text that still holds a long enough piece of a secret (a server that cut or
// reordered it) is reported, so that the caller can withhold it.
//
// The cost is linear in the text whatever it and the secrets hold: a hostile server cannot make
// masking slow with a body of the one character a long password repeats (see Masker).
package redact

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/voxsip/voxsip/internal/printable"
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
// It is New(secrets, public, mask).Mask(text); a caller masking several texts with the same
// secrets should make one Masker.
func Mask(text string, secrets, public []string, mask string) (masked string, suspect bool) {
	if text == "" || len(secrets) == 0 {
		return text, false
	}
	return New(secrets, public, mask).Mask(text)
}

// Masker masks the secrets it was made with in any number of texts. Its cost is linear: about
// (maxLayers+1) × (number of secret forms + 2) passes over a text (twice that when a secret holds
// invisible runes, compared once more with them kept), each rune counting as the runes it
// decomposes to (at most 18, usually 1), whatever the text and the secrets hold (a secret of one
// repeated character in a text of that character included), plus one pass over each secret when
// it is made. A Masker is safe for concurrent use.
type Masker struct {
	folded, raw comparison
	public      []target
	mask        string
}

// comparison is a set of targets and their pieces, compared with the layers of a text with the
// invisible runes left out (folded) or kept (raw: see prepare).
type comparison struct {
	targets []target
	pieces  map[[pieceRunes]rune]bool
	keep    bool // the layers keep every invisible rune, for form to keep those in kept
	kept    kept
}

// New prepares secrets (empty ones are ignored) and public for masking with mask.
func New(secrets, public []string, mask string) *Masker {
	folded, raw := prepare(secrets)
	return &Masker{folded: folded, raw: raw, public: foldAll(public), mask: mask}
}

// Mask is the package's Mask with the Masker's secrets, public strings and mask.
func (m *Masker) Mask(text string) (masked string, suspect bool) {
	masked, suspect, _ = m.counted(text)
	return masked, suspect
}

// counted is Mask, and counts the steps it took (units decoded or compared), for a test to bound.
//
// Spans that overlap are joined as they are found, so that a text of many overlapping echoes or
// pieces keeps a few spans, not one per position. A run of overlapping pieces is safe to show iff
// each piece is: each lies in the masked spans and the public strings, joined, and pieces that
// overlap lie in the same joined span.
func (m *Masker) counted(text string) (masked string, suspect bool, steps int) {
	if text == "" || len(m.folded.targets)+len(m.raw.targets) == 0 {
		return text, false, 0
	}
	first, found, pieces := m.folded.scan(text, &steps, nil, nil)
	if len(m.raw.targets) > 0 {
		_, found, pieces = m.raw.scan(text, &steps, found, pieces)
	}
	found = merge(found, false)
	var allowed []span // the masked spans and the public strings, found when first needed
	for _, p := range pieces {
		if covered(found, p) {
			continue
		}
		if allowed == nil {
			allowed = merge(matches(first, m.public, &steps, slices.Clone(found)), true)
		}
		if !covered(allowed, p) {
			suspect = true
			break
		}
	}
	return replace(text, found, m.mask), suspect, steps
}

// scan appends to found the spans of text that decode to one of c's targets and to pieces those
// that decode to one of its pieces, in every layer; first is the text's first layer.
func (c *comparison) scan(text string, steps *int, found, pieces []span) (first []unit, _, _ []span) {
	first = initial(text, c.keep)
	layer := first
	*steps += len(layer)
	for i := 0; ; i++ {
		found = matches(layer, c.targets, steps, found)
		pieces = pieceMatches(layer, c.pieces, c.kept, steps, pieces)
		if i == maxLayers {
			break
		}
		next, changed := decode(layer, c.keep)
		*steps += len(layer)
		if !changed {
			break
		}
		layer = next
	}
	return first, found, pieces
}

// foldAll folds each non-empty string of ss to a target.
func foldAll(ss []string) []target {
	var out []target
	for _, s := range ss {
		if t := fold([]rune(s), nil); len(t) > 0 {
			out = append(out, newTarget(t, nil))
		}
	}
	return out
}

// prepare folds each secret the ways it may compare (invalid bytes as one U+FFFD each, or one per
// run; ß and the ligatures spelled out, see multiRuneUpper) and collects the pieces of the long
// ones. A secret that holds invisible runes is also compared with them kept (raw): a secret of
// nothing but invisible runes has nothing else to be found by, and one with an invisible tail
// would otherwise show its tail after the mask. That comparison keeps only the invisible runes
// the secrets hold: others a server puts between them (a variation selector) are left out.
func prepare(secrets []string) (folded, raw comparison) {
	folded.pieces = map[[pieceRunes]rune]bool{}
	raw = comparison{pieces: map[[pieceRunes]rune]bool{}, keep: true, kept: kept{}}
	var variants, invisible [][]rune
	for _, s := range secrets {
		if s == "" {
			continue
		}
		// norm.NFKD puts combining marks in canonical order, as every normalising server
		// echoes them; comparing rune by rune does not reorder them, so a secret typed with its
		// marks in another order is also compared in that order.
		for _, v := range []string{s, strings.ToValidUTF8(s, "\uFFFD"), multiRuneUpper.Replace(s), latin1Escaped(s), norm.NFKD.String(s)} {
			rs := []rune(v) // one U+FFFD per invalid byte
			variants = append(variants, rs)
			if slices.ContainsFunc(rs, ignorable) {
				invisible = append(invisible, rs)
				for _, r := range rs {
					var buf [maxDecomposition]rune
					for _, d := range decompose(r, &buf) {
						if ignorable(d) {
							raw.kept[d] = true
						}
					}
				}
			}
		}
	}
	for _, rs := range variants {
		folded.add(fold(rs, nil))
	}
	for _, rs := range invisible {
		raw.add(fold(rs, raw.kept))
	}
	return folded, raw
}

// add makes t one of c's targets, unless it is empty or one already, and its pieces c's pieces.
func (c *comparison) add(t []rune) {
	if len(t) == 0 || slices.ContainsFunc(c.targets, func(o target) bool { return slices.Equal(o.runes, t) }) {
		return
	}
	c.targets = append(c.targets, newTarget(t, c.kept))
	for i := 0; i+pieceRunes <= len(t); i++ {
		c.pieces[pieceKey(t[i:i+pieceRunes])] = true
	}
}

// multiRuneUpper spells the letters that other languages' upper-casing (Java, JavaScript,
// Python) turns into several letters as those letters: Go's per-rune mapping leaves them alone,
// so "STRASSE" would not fold to the secret "straße".
var multiRuneUpper = strings.NewReplacer("ß", "ss", "ẞ", "ss", "ﬀ", "ff", "ﬁ", "fi", "ﬂ", "fl", "ﬃ", "ffi", "ﬄ", "ffl", "ﬅ", "st", "ﬆ", "st")

// latin1Escaped is s as it decodes after an escaping that wrote U+0080 to U+00FF as one byte
// (JavaScript's escape(), %E4 for ä): such a byte is not UTF-8, so it decodes to U+FFFD.
func latin1Escaped(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0x80 && r <= 0xff {
			return utf8.RuneError
		}
		return r
	}, s)
}

// fold is rs as it compares: each rune in its form (decomposed, folded, the ignorable ones left
// out but those k keeps).
func fold(rs []rune, k kept) []rune {
	out := make([]rune, 0, len(rs))
	var buf [maxDecomposition]rune
	for _, r := range rs {
		out = append(out, form(r, &buf, k)...)
	}
	return out
}

// foldRune is r's case-insensitive form: the lower case of the smallest rune of its case-folding
// orbit, so that every rune another language may upper- or lower-case r to compares alike
// (ſ, S and s; K, k and the Kelvin sign; σ, ς and Σ), and dotless ı and dotted İ as i, which
// upper- and lower-casing turn into I and i. ASCII folds as unicode.ToLower does, which the
// decoders rely on (hex digits, entity names).
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return unicode.ToLower(r)
	}
	if r == 'ı' || r == 'İ' {
		return 'i'
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return unicode.ToLower(least)
}

// ignorable reports whether r is invisible (printable.Invisible: a format character such as the
// soft hyphen or a zero-width space, a variation selector, a Hangul filler), which a server may
// put between the characters of an echoed secret without changing how it reads: it does not
// take part in a comparison (a match's span still covers it). It is the very predicate by which
// package printable escapes invisible characters, so that the two never disagree.
func ignorable(r rune) bool { return printable.Invisible(r) }

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

// initial is the text itself, one unit per rune (per byte where it is not valid UTF-8), the
// ignorable ones left out unless keep.
func initial(text string, keep bool) []unit {
	out := make([]unit, 0, len(text))
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if keep || !ignorable(r) {
			out = append(out, unit{foldRune(r), int32(i), int32(i + size)})
		}
		i += size
	}
	return out
}

// addSpan appends s to spans found left to right, joined with the last one if they overlap: an
// echo repeated back to back is one span, not one per position.
func addSpan(spans []span, s span) []span {
	if n := len(spans); n > 0 && s.start < spans[n-1].end && s.start >= spans[n-1].start {
		spans[n-1].end = max(spans[n-1].end, s.end)
		return spans
	}
	return append(spans, s)
}

// merge sorts spans and joins those that overlap, and those that touch if touching.
func merge(spans []span, touching bool) []span {
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && (s.start < out[n-1].end || touching && s.start == out[n-1].end) {
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
