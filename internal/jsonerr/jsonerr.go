// Package jsonerr rewords encoding/json errors so that they carry no input bytes: a syntax error
// quotes the offending character, which could belong to a password or a private key.
package jsonerr

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Describe returns a message for a json.Unmarshal or Decoder error that names the position, the
// field and the expected type, but quotes nothing from the input.
func Describe(err error) string {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("not valid JSON (syntax error at byte %d)", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return fmt.Sprintf("got a JSON %s, want a %s", typeErr.Value, typeErr.Type)
		}
		return fmt.Sprintf("field %s: got a JSON %s, want a %s", field, typeErr.Value, typeErr.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// From Decoder.DisallowUnknownFields: the message holds only the field's name.
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "not valid JSON (it ends early)"
	default:
		return "not valid JSON"
	}
}
