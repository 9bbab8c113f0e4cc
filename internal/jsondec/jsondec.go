// Package jsondec holds the small pieces that the generated decoders in package generated
// (generated/decode.gen.go) share: reading scalars from a github.com/go-faster/jx decoder the way
// encoding/json's Unmarshal would store them in a Go value, and matching object keys to field
// names as encoding/json does (exactly first, then case-insensitively).
//
// The decoders built on it either agree with encoding/json (same accept/reject decision, same
// values) or return an error; an error never hides JSON that encoding/json would have taken
// differently, so a caller that needs encoding/json's exact error may fall back to it.
package jsondec

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/go-faster/jx"
)

// ErrType reports a JSON value of the wrong kind for the Go value it is decoded into (where
// encoding/json returns an *json.UnmarshalTypeError).
var ErrType = errors.New("JSON value of the wrong type")

// ErrTrailing reports data after the top-level value.
var ErrTrailing = errors.New("data after the top-level JSON value")

// End returns nil if only whitespace follows the value just decoded. Skip returns io.EOF itself
// only at the end of the input; a value cut short after the first one ({"a": or [1,) is an error
// that wraps io.EOF, and is trailing data like any other.
func End(d *jx.Decoder) error {
	if err := d.Skip(); err != io.EOF { //nolint:errorlint // io.EOF itself, not an error wrapping it
		return ErrTrailing
	}
	return nil
}

// Null reports whether the next value is null, and consumes it if so.
func Null(d *jx.Decoder) (bool, error) {
	if d.Next() != jx.Null {
		return false, nil
	}
	return true, d.Null()
}

// Int, Uint, Float32 and Float are the same three steps (the number's bytes, strconv, ErrType) on
// purpose: one generic function taking the strconv call as a func value made the generated
// decoders allocate 60 % more (BenchmarkDecodePage, 246 → 388 allocations a page).

// Int reads an integer of bits bits into *v as encoding/json does: a number token that
// strconv.ParseInt takes (so no fraction or exponent), null leaves *v alone.
func Int(d *jx.Decoder, bits int, v *int64) error {
	raw, err := number(d)
	if raw == nil || err != nil {
		return err
	}
	n, err := strconv.ParseInt(unsafe.String(unsafe.SliceData(raw), len(raw)), 10, bits)
	if err != nil {
		return ErrType
	}
	*v = n
	return nil
}

// Uint reads an unsigned integer of bits bits into *v as encoding/json does: a number token that
// strconv.ParseUint takes (so no sign, fraction or exponent); null leaves *v alone.
func Uint(d *jx.Decoder, bits int, v *uint64) error {
	raw, err := number(d)
	if raw == nil || err != nil {
		return err
	}
	n, err := strconv.ParseUint(unsafe.String(unsafe.SliceData(raw), len(raw)), 10, bits)
	if err != nil {
		return ErrType
	}
	*v = n
	return nil
}

// Float32 reads a number that a float32 holds into *v as encoding/json does (one too large for
// a float32 is ErrType); null leaves *v alone.
func Float32(d *jx.Decoder, v *float64) error {
	raw, err := number(d)
	if raw == nil || err != nil {
		return err
	}
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(raw), len(raw)), 32)
	if err != nil {
		return ErrType
	}
	*v = f
	return nil
}

// Float reads a float64 into *v as encoding/json does; null leaves *v alone.
func Float(d *jx.Decoder, v *float64) error {
	raw, err := number(d)
	if raw == nil || err != nil {
		return err
	}
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(raw), len(raw)), 64)
	if err != nil {
		return ErrType
	}
	*v = f
	return nil
}

// number returns the raw bytes of the next number, nil for null, ErrType for another kind.
func number(d *jx.Decoder) ([]byte, error) {
	switch d.Next() {
	case jx.Null:
		return nil, d.Null()
	case jx.Number:
	default:
		return nil, ErrType
	}
	return d.Raw() // jx checks the number's grammar as it skips it
}

// Bool reads a boolean into *v; null leaves *v alone.
func Bool(d *jx.Decoder, v *bool) error {
	switch d.Next() {
	case jx.Null:
		return d.Null()
	case jx.Bool:
	default:
		return ErrType
	}
	b, err := d.Bool()
	if err != nil {
		return err
	}
	*v = b
	return nil
}

// Str reads a string into *v as encoding/json does (each byte of invalid UTF-8 becomes U+FFFD);
// null leaves *v alone.
func Str(d *jx.Decoder, v *string) error {
	switch d.Next() {
	case jx.Null:
		return d.Null()
	case jx.String:
	default:
		return ErrType
	}
	b, err := d.StrBytes()
	if err != nil {
		return err
	}
	if utf8.Valid(b) {
		*v = string(b)
	} else {
		*v = validUTF8(b)
	}
	return nil
}

// validUTF8 replaces each byte that does not start a valid UTF-8 sequence with U+FFFD, as
// encoding/json's unquote does.
func validUTF8(b []byte) string {
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return string(out)
}

// FoldIndex returns the index of the first name that key equals case-insensitively (the
// fallback encoding/json uses when no field name matches a key exactly), or -1.
func FoldIndex(key []byte, names []string) int {
	for i, n := range names {
		if bytes.EqualFold(key, unsafe.Slice(unsafe.StringData(n), len(n))) {
			return i
		}
	}
	return -1
}

// ErrNullRequired reports null for a required member of a oneOf shape (see the generated
// DecodeOneOfJX methods).
var ErrNullRequired = errors.New("null for a required member")

// Required records in *seen that field i, when mask marks it required, was present, and fails
// with ErrNullRequired if its value is null.
func Required(d *jx.Decoder, mask uint32, i int, seen *uint32) error {
	if mask&(1<<i) == 0 {
		return nil
	}
	if d.Next() == jx.Null {
		return ErrNullRequired
	}
	*seen |= 1 << i
	return nil
}
