package api

import (
	"errors"
	"html"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/voxsip/voxsip/internal/params"
)

// mask replaces secret values in anything the client prints.
const mask = params.Mask

// secretParams are the names of every parameter that openapi.yaml marks format: password, in
// any operation: their values never appear in errors or logs.
var secretParams = func() []string {
	var out []string
	for _, op := range params.All() {
		for _, f := range op.Fields {
			if f.Secret && !slices.Contains(out, f.Name) {
				out = append(out, f.Name)
			}
		}
	}
	return out
}()

// secretValuer is implemented by every generated Params type: the values of its secret
// parameters (format: password in openapi.yaml).
type secretValuer interface{ SecretValues() []string }

// scrubber masks one call's secrets: the values of its secret parameters, in every form a server
// or proxy may plausibly echo them, and the bearer token of the current attempt. It works out
// those forms only when first used, since most calls never build an error.
//
// What masking can promise: each form is replaced wherever it appears, longest first, so a
// secret is not left half visible; then "password=..." is masked up to the next delimiter. What
// it cannot: a short password (a few characters) is masked wherever those characters appear,
// which may garble a message, and an echo in an encoding not listed in forms (say, base64) is not
// recognised.
type scrubber struct {
	params secretValuer
	token  string

	ready   bool
	secrets []string // longest first
}

// prepare works out the forms of the secret values to mask.
func (s *scrubber) prepare() {
	if s.ready {
		return
	}
	s.ready = true
	if s.params != nil {
		for _, v := range s.params.SecretValues() {
			for _, f := range forms(v) {
				if f != "" && !slices.Contains(s.secrets, f) {
					s.secrets = append(s.secrets, f)
				}
			}
		}
	}
	sort.SliceStable(s.secrets, func(i, j int) bool { return len(s.secrets[i]) > len(s.secrets[j]) })
}

// forms returns the ways secret may come back in a response, an error or a URL: as sent, with
// invalid UTF-8 replaced (one U+FFFD per run of bad bytes, as ToValidUTF8 does, or one per bad
// byte, as encoding/json and a range over the string do), query-, form- and path-escaped (with
// upper- and lower-case hex), JSON-escaped (with and without HTML escaping, with "\/"), and
// HTML-escaped (named and numeric entities).
func forms(secret string) []string {
	valids := []string{strings.ToValidUTF8(secret, "\uFFFD")}
	if perByte := string([]rune(secret)); perByte != valids[0] {
		valids = append(valids, perByte)
	}
	var out []string
	for _, v := range append([]string{secret}, valids...) {
		q, p := url.QueryEscape(v), url.PathEscape(v)
		out = append(out, v, q, p, lowerHex(q), lowerHex(p), strings.ReplaceAll(q, "+", "%20"))
	}
	jsonIn := append([]string(nil), valids...)
	if !utf8.ValidString(secret) {
		jsonIn = append(jsonIn, secret) // as encoding/json writes it: \ufffd per invalid byte
	}
	for _, v := range jsonIn {
		for _, j := range jsonForms(v) {
			for _, v := range []string{j, upperU(j)} { // \u00e9 or, as Jackson writes, \u00E9
				out = append(out, v, strings.ReplaceAll(v, "/", `\/`))
			}
		}
	}
	for _, valid := range valids {
		h := html.EscapeString(valid)
		out = append(out, h,
			strings.NewReplacer("&#34;", "&quot;", "&#39;", "&apos;").Replace(h),
			strings.NewReplacer("&#34;", "&#x22;", "&#39;", "&#x27;").Replace(h))
	}
	return out
}

// jsonForms is s as a JSON string's contents: escaped the way Go does (<, >, & and U+2028/9 as
// \u escapes, and each invalid byte as \ufffd), the minimal way, and with every non-ASCII rune as
// a \u escape. Elsewhere an invalid byte becomes U+FFFD.
func jsonForms(s string) []string {
	var goStyle, minimal, ascii strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		bad := r == utf8.RuneError && size == 1
		var esc string
		switch r {
		case '"':
			esc = `\"`
		case '\\':
			esc = `\\`
		case '\n':
			esc = `\n`
		case '\r':
			esc = `\r`
		case '\t':
			esc = `\t`
		}
		switch {
		case esc != "":
			goStyle.WriteString(esc)
			minimal.WriteString(esc)
			ascii.WriteString(esc)
			continue
		case r < 0x20:
			u := uEscape(r)
			goStyle.WriteString(u)
			minimal.WriteString(u)
			ascii.WriteString(u)
			continue
		}
		if bad || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029' {
			goStyle.WriteString(uEscape(r))
		} else {
			goStyle.WriteRune(r)
		}
		minimal.WriteRune(r)
		if r < utf8.RuneSelf {
			ascii.WriteRune(r)
		} else if r > 0xFFFF {
			r1, r2 := surrogates(r)
			ascii.WriteString(uEscape(r1) + uEscape(r2))
		} else {
			ascii.WriteString(uEscape(r))
		}
	}
	return []string{goStyle.String(), minimal.String(), ascii.String()}
}

func uEscape(r rune) string {
	const hex = "0123456789abcdef"
	return `\u` + string([]byte{hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF]})
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

// upperU rewrites the hex digits of \uXXXX escapes in upper case.
func upperU(s string) string {
	b := []byte(s)
	for i := 0; i+5 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] != 'u' {
			i++ // an escaped character: skip it, so that "\\u" is not read as an escape
			continue
		}
		for k := i + 2; k < i+6; k++ {
			if 'a' <= b[k] && b[k] <= 'f' {
				b[k] -= 'a' - 'A'
			}
		}
		i += 5
	}
	return string(b)
}

// lowerHex rewrites the hex digits of %XX escapes in lower case.
func lowerHex(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lower(b[i+1]), lower(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// String masks every known secret in str, then secret query parameters. The token takes its place among the secrets by length, so that a short password that is part
// of the token cannot cut it into pieces that no longer match (and show the rest of it).
func (s *scrubber) String(str string) string {
	s.prepare()
	token := s.token
	for _, secret := range s.secrets {
		if token != "" && len(token) >= len(secret) {
			str = strings.ReplaceAll(str, token, mask)
			token = ""
		}
		str = strings.ReplaceAll(str, secret, mask)
	}
	if token != "" {
		str = strings.ReplaceAll(str, token, mask)
	}
	return scrubQuery(str)
}

// snippetBytes is how much of a response body an error quotes.
const snippetBytes = 200

// snippet returns the start of body for an error message: the whole body masked first, then cut
// to snippetBytes on a rune boundary. Masking only a window of the body is not enough: the
// window's end may cut a secret, and once the echoes before it shrink to the mask, what is left
// of that secret moves into the snippet. (The body is at most MaxResponseBytes, and only errors
// quote one.)
func (s *scrubber) snippet(body []byte) string {
	// Mask before and after making the text valid UTF-8: a secret with invalid bytes may be
	// echoed as sent or with U+FFFD in their place.
	str := s.String(strings.ToValidUTF8(s.String(string(body)), "\uFFFD"))
	if len(str) > snippetBytes {
		cut := snippetBytes
		for cut > 0 && !utf8.RuneStart(str[cut]) {
			cut--
		}
		str = str[:cut] + "…"
	}
	return str
}

// scrubQuery masks the values of secret query parameters wherever "name=" appears in str.
func scrubQuery(str string) string {
	for _, name := range secretParams {
		key := name + "="
		from := 0
		for {
			i := strings.Index(str[from:], key)
			if i < 0 {
				break
			}
			start := from + i + len(key)
			// Only a parameter boundary counts: start of string, '?', '&' or ';' before the name.
			if j := from + i; j > 0 && !strings.ContainsRune("?&;", rune(str[j-1])) {
				from = start
				continue
			}
			end := start
			for end < len(str) && !strings.ContainsRune("&;# \"'<>\n", rune(str[end])) {
				end++
			}
			str = str[:start] + mask + str[end:]
			from = start + len(mask)
		}
	}
	return str
}

// Error rebuilds err so that its text carries no secret, keeping what callers branch on:
// *url.Error stays a *url.Error (with the URL masked) wrapping the scrubbed cause, and every
// error keeps its chain for errors.Is and errors.As.
func (s *scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue == err {
		return &url.Error{Op: ue.Op, URL: s.String(ue.URL), Err: s.Error(ue.Err)}
	}
	msg := err.Error()
	if clean := s.String(msg); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

// scrubbedError keeps a cause for errors.Is/As but prints a masked message.
type scrubbedError struct {
	msg string
	err error
}

// Error returns the masked message.
func (e *scrubbedError) Error() string { return e.msg }

// Unwrap returns the original error, for errors.Is and errors.As.
func (e *scrubbedError) Unwrap() error { return e.err }
