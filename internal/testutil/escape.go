package testutil

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// JSEncodeURIComponent escapes as JavaScript's encodeURIComponent: A-Z a-z 0-9 - _ . ! ~ * ' ( )
// stay as they are.
func JSEncodeURIComponent(s string) string { return percentEscape(s, "-_.!~*'()", false) }

// JSEscape escapes as JavaScript's legacy escape(): A-Z a-z 0-9 @ * _ + - . / stay, other
// characters up to U+00FF are %XX (Latin-1, not UTF-8), the rest %uXXXX per UTF-16 unit.
func JSEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80 && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("@*_+-./", r)):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, "%%%02X", r)
		default:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, "%%u%04X", u)
			}
		}
	}
	return b.String()
}

// PythonBytesRepr escapes as the inside of Python's repr() of the UTF-8 bytes (b'...'): printable
// ASCII stays, \\ and ' are backslashed, \t \n \r are named, other bytes are \xNN.
func PythonBytesRepr(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == '\\' || c == '\'':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	return b.String()
}

// JavaURLEncoder escapes as java.net.URLEncoder: '*' stays, space is '+', '~' is escaped.
func JavaURLEncoder(s string) string { return percentEscape(s, "-_.*", true) }

// PythonQuotePlus escapes as urllib.parse.quote_plus: _.-~ stay, space is '+'.
func PythonQuotePlus(s string) string { return percentEscape(s, "_.-~", true) }

// percentEscape escapes every byte of s as %XX but ASCII letters, digits and the bytes of safe,
// and a space as '+' when plusForSpace.
func percentEscape(s, safe string, plusForSpace bool) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(safe, c) >= 0:
			b.WriteByte(c)
		case c == ' ' && plusForSpace:
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// JSONASCII is s as a JSON string's contents with every non-ASCII rune \u-escaped, runes beyond
// U+FFFF as surrogate pairs (as Python's json.dumps writes them).
func JSONASCII(s string) string {
	b, _ := json.Marshal(s)
	var out strings.Builder
	for _, r := range string(b[1 : len(b)-1]) {
		switch {
		case r < 0x80:
			out.WriteRune(r)
		case r > 0xFFFF:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&out, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
	}
	return out.String()
}

// JSONGo is s as a JSON string's contents as encoding/json writes it (<, >, & as \u escapes).
func JSONGo(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// HTMLNumeric escapes every rune but letters, digits and spaces as an HTML numeric character
// reference, hexadecimal (&#x40;) or decimal (&#64;).
func HTMLNumeric(hex bool) func(string) string {
	return func(s string) string {
		var b strings.Builder
		for _, r := range s {
			switch {
			case r < 0x80 && (r == ' ' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'):
				b.WriteRune(r)
			case hex:
				fmt.Fprintf(&b, "&#x%x;", r)
			default:
				fmt.Fprintf(&b, "&#%d;", r)
			}
		}
		return b.String()
	}
}

// Echoes are the ways a server may echo a secret: the ones the client recognised by listing
// them, and those that an adversarial pass found it missed.
var Echoes = map[string]func(string) string{
	"as sent":               func(s string) string { return s },
	"query":                 url.QueryEscape,
	"query, %20":            func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") },
	"path":                  url.PathEscape,
	"lower-case hex":        func(s string) string { return strings.ToLower(url.QueryEscape(s)) },
	"JSON (Go)":             JSONGo,
	"JSON ASCII":            JSONASCII,
	"JSON upper-case hex":   func(s string) string { return strings.ReplaceAll(strings.ToUpper(JSONASCII(s)), `\U`, `\u`) },
	"JSON \\/":              func(s string) string { return strings.ReplaceAll(JSONGo(s), "/", `\/`) },
	"HTML":                  html.EscapeString,
	"JS encodeURIComponent": JSEncodeURIComponent,
	"JS escape()":           JSEscape,
	"Python bytes repr":     PythonBytesRepr,
	"Java URLEncoder":       JavaURLEncoder,
	"Python quote_plus":     PythonQuotePlus,
	"HTML &#x..;":           HTMLNumeric(true),
	"HTML &#..;":            HTMLNumeric(false),
	"HTML &#00..;":          func(s string) string { return strings.ReplaceAll(HTMLNumeric(false)(s), "&#", "&#0000000000") },
	"HTML &#x00..;":         func(s string) string { return strings.ReplaceAll(HTMLNumeric(true)(s), "&#x", "&#x0000000000") },
	"HTML inside JSON":      func(s string) string { return JSONGo(html.EscapeString(s)) },
	"double query":          func(s string) string { return url.QueryEscape(url.QueryEscape(s)) },
	"triple path":           func(s string) string { return url.PathEscape(url.PathEscape(url.PathEscape(s))) },
	"upper-cased":           strings.ToUpper,
	"upper-cased, query":    func(s string) string { return strings.ToUpper(url.QueryEscape(s)) },
	"JSON of query":         func(s string) string { return JSONASCII(url.QueryEscape(s)) },
	"soft hyphens between":  func(s string) string { return Interleave(s, "\u00ad") },
	"zero-width spaces":     func(s string) string { return Interleave(s, "\u200b") },
	"&shy; between":         func(s string) string { return html.EscapeString(Interleave(s, "\u00ad")) },
	"lower-cased":           strings.ToLower,
	// Invisible characters that are not format characters (Cf): a variation selector, the
	// combining grapheme joiner, the Hangul filler.
	"variation selectors":      func(s string) string { return Interleave(s, "\ufe0f") },
	"grapheme joiners":         func(s string) string { return Interleave(s, "\u034f") },
	"Hangul fillers":           func(s string) string { return Interleave(s, "\u3164") },
	"Hangul fillers, JSON \\u": func(s string) string { return JSONASCII(Interleave(s, "\u3164")) },
	// Unicode normalisations: composed, decomposed, compatibility forms, fullwidth letters.
	"NFD":           norm.NFD.String,
	"NFC":           norm.NFC.String,
	"NFC of NFD":    func(s string) string { return norm.NFC.String(norm.NFD.String(s)) },
	"NFKC":          norm.NFKC.String,
	"NFD, JSON \\u": func(s string) string { return JSONASCII(norm.NFD.String(s)) },
	"fullwidth":     Fullwidth,
}

// Fullwidth writes the printable ASCII of s as their fullwidth forms (U+FF01 to U+FF5E, a space
// as U+3000), as East Asian input methods may.
func Fullwidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ':
			return '\u3000'
		case r > ' ' && r < 0x7f:
			return r - '!' + '\uff01'
		}
		return r
	}, s)
}

// Interleave puts sep between every two runes of s (a server hyphenating an echo for display).
func Interleave(s, sep string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}
