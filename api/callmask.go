package api

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/go-faster/jx"
)

// ErrBodyWithheld is matched (errors.Is) by the error of Call for an operation that succeeded
// but whose response body still showed a piece of a secret after masking (a server that echoed
// part of a password or token): the body is not returned, and the call took effect.
var ErrBodyWithheld = errors.New(errPrefix + " the operation succeeded, but its response body is not shown: it may hold part of a secret")

// bodyWithheld is ErrBodyWithheld for one operation.
type bodyWithheld struct{ op string }

func (e *bodyWithheld) Error() string {
	return errPrefix + " " + e.op + " succeeded, but its response body is not shown: it may hold part of a secret " +
		"(the server echoed part of a password or token)"
}

func (e *bodyWithheld) Is(target error) bool { return target == ErrBodyWithheld }

// maskJSON returns body with the call's secrets masked in every string and key of the JSON, and
// every number that is a secret whole replaced by the string mask, so that the result is still
// valid JSON and numbers that are not secrets, such as ids, stay as they are: a number is never
// masked in part (a numeric password's digits inside an id), nor withheld for a piece of a secret.
// It returns body itself if nothing was masked, and nil if a string or key still shows a piece of
// a secret. body is valid JSON (encoding/json decoded it).
//
// A secret may also span tokens: a password holding `","` echoed unescaped splits into two
// strings, neither of which shows it. So the result is read once more as text, without its
// numbers, true, false and null (which a short numeric or letter password would match by
// chance): any secret or piece of one still found there withholds the body (nil).
func (s *scrubber) maskJSON(body json.RawMessage) json.RawMessage {
	m := jsonMasker{s: s, d: jx.DecodeBytes(body), secrets: s.secrets()}
	if err := m.value(); err != nil || m.suspect {
		return nil
	}
	out := body
	if m.changed {
		out = m.e.Bytes()
	}
	shadow := withoutScalars(out)
	if masked, suspect := s.masking().Mask(shadow); suspect || masked != shadow {
		return nil
	}
	return out
}

// withoutScalars is the JSON text js with every token outside strings that is not punctuation
// (numbers, true, false, null) left out: its strings, keys and structure.
func withoutScalars(js []byte) string {
	var b strings.Builder
	b.Grow(len(js))
	inString, escaped := false, false
	for _, c := range js {
		switch {
		case inString:
			b.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
			b.WriteByte(c)
		case strings.IndexByte("{}[]:, \t\r\n", c) >= 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// jsonMasker copies a JSON value token by token, masking each string and key, and each number
// that is a secret.
type jsonMasker struct {
	s                *scrubber
	secrets          []string // compared with each number whole
	d                *jx.Decoder
	e                jx.Encoder
	changed, suspect bool
}

// text masks one token's text.
func (m *jsonMasker) text(str string) string {
	masked, suspect := m.s.masking().Mask(str)
	masked = scrubQuery(masked)
	m.suspect = m.suspect || suspect
	m.changed = m.changed || masked != str
	return masked
}

// number writes n, or the string mask if n is one of the secrets whole (as a password of digits
// echoed as a number; compared as text, case-insensitively for an exponent's 'e').
func (m *jsonMasker) number(n jx.Num) {
	text := n.String()
	if slices.ContainsFunc(m.secrets, func(secret string) bool { return strings.EqualFold(secret, text) }) {
		m.e.Str(mask)
		m.changed = true
		return
	}
	m.e.Num(n)
}

func (m *jsonMasker) value() error {
	switch m.d.Next() {
	case jx.String:
		str, err := m.d.Str()
		m.e.Str(m.text(str))
		return err
	case jx.Number:
		n, err := m.d.Num()
		m.number(n)
		return err
	case jx.Object:
		m.e.ObjStart()
		err := m.d.Obj(func(_ *jx.Decoder, key string) error {
			m.e.FieldStart(m.text(key))
			return m.value()
		})
		m.e.ObjEnd()
		return err
	case jx.Array:
		m.e.ArrStart()
		err := m.d.Arr(func(*jx.Decoder) error { return m.value() })
		m.e.ArrEnd()
		return err
	}
	raw, err := m.d.Raw() // true, false, null
	m.e.Raw(raw)
	return err
}
