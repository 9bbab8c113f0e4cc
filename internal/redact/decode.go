package redact

import (
	"html"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decode decodes one layer of escapes of every kind, and reports whether anything changed. A
// layer with no escape is not copied. Decoded ignorable runes are left out unless keep.
func decode(layer []unit, keep bool) ([]unit, bool) {
	var out []unit
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
			if us, n = urlEscapes(layer[i:]); n == 0 {
				us, n = unicodeEscape(layer[i:], '%') // JavaScript's escape(): %uXXXX
			}
		}
		if n == 0 {
			if changed {
				out = append(out, layer[i])
			}
			i++
			continue
		}
		if !changed {
			out = append(make([]unit, 0, len(layer)), layer[:i]...)
		}
		for _, u := range us {
			if keep || !ignorable(u.r) { // an escaped soft hyphen is as invisible as a raw one
				out = append(out, u)
			}
		}
		i += n
		changed = true
	}
	return out, changed
}

// jsonSimple are the one-character JSON escapes and what they stand for, and \' (in
// JavaScript and Python literals).
var jsonSimple = map[rune]rune{'"': '"', '\'': '\'', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// jsonEscape decodes the JSON escape at the start of us (a surrogate pair as one rune); n is
// how many units it took, 0 for none. Hex digits and 'u' may be of either case (folded).
func jsonEscape(us []unit) (out []unit, n int) {
	if len(us) < 2 {
		return nil, 0
	}
	if r, ok := jsonSimple[us[1].r]; ok {
		return []unit{{r, us[0].start, us[1].end}}, 2
	}
	if us[1].r == 'x' {
		return byteEscapes(us, `\x`)
	}
	return unicodeEscape(us, '\\')
}

// unicodeEscape decodes lead followed by "uXXXX" at the start of us (JSON's \uXXXX, JavaScript
// escape()'s %uXXXX), a surrogate pair of them as one rune; n is how many units it took.
func unicodeEscape(us []unit, lead rune) (out []unit, n int) {
	r, ok := hex4(us, lead)
	if !ok {
		return nil, 0
	}
	if utf16.IsSurrogate(r) {
		if low, ok := hex4(us[6:], lead); ok {
			if pair := utf16.DecodeRune(r, low); pair != utf8.RuneError {
				return []unit{{foldRune(pair), us[0].start, us[11].end}}, 12
			}
		}
		r = utf8.RuneError
	}
	return []unit{{foldRune(r), us[0].start, us[5].end}}, 6
}

// hex4 reads lead followed by "uXXXX" at the start of us.
func hex4(us []unit, lead rune) (rune, bool) {
	if len(us) < 6 || us[0].r != lead || us[1].r != 'u' {
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
		out = append(out, unit{foldRune(r), us[0].start, us[end].end})
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
	return []unit{{foldRune(r), us[0].start, us[i-1].end}}, i
}

// urlEscapes decodes the run of %XX escapes at the start of us as UTF-8 (an invalid byte as
// U+FFFD); each rune keeps the escapes of its bytes.
func urlEscapes(us []unit) ([]unit, int) { return byteEscapes(us, "%") }

// byteEscapes decodes the run of escapes of one byte each (prefix, then two hex digits: %XX, or
// \xNN as Python, C and JavaScript literals write bytes) at the start of us as UTF-8 (an invalid
// byte as U+FFFD); each rune keeps the escapes of its bytes. prefix is ASCII, in lower case.
func byteEscapes(us []unit, prefix string) ([]unit, int) {
	p := len(prefix)
	var bytes []byte
	var from []int // the unit index where each byte's escape starts
	n := 0
	for n+p+1 < len(us) && hasPrefix(us[n:], prefix) {
		hi, ok1 := hexDigit(us[n+p].r)
		lo, ok2 := hexDigit(us[n+p+1].r)
		if !ok1 || !ok2 {
			break
		}
		bytes = append(bytes, byte(hi<<4|lo))
		from = append(from, n)
		n += p + 2
	}
	if n == 0 {
		return nil, 0
	}
	var out []unit
	for i := 0; i < len(bytes); {
		r, size := utf8.DecodeRune(bytes[i:])
		out = append(out, unit{foldRune(r), us[from[i]].start, us[from[i+size-1]+p+1].end})
		i += size
	}
	return out, n
}

// hasPrefix reports whether the units of us start with prefix.
func hasPrefix(us []unit, prefix string) bool {
	for i, r := range prefix {
		if i >= len(us) || us[i].r != r {
			return false
		}
	}
	return true
}
