// Package jsonerr rewords encoding/json errors so that they carry no input bytes: a syntax error
// quotes the offending character, which could belong to a password or a private key.
package jsonerr

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
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
		// Value is the JSON kind, followed for a number out of the type's range by the number
		// itself ("number 300"): only the kind is said.
		kind, _, _ := strings.Cut(typeErr.Value, " ")
		field := typeErr.Field
		if field == "" {
			return fmt.Sprintf("got a JSON %s, want %s", kind, want(typeErr.Type))
		}
		return fmt.Sprintf("field %s: got a JSON %s, want %s", field, kind, want(typeErr.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// From Decoder.DisallowUnknownFields: the message holds only the field's name.
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "not valid JSON (it ends early)"
	default:
		return "not valid JSON"
	}
}

// want names what a Go type takes in JSON, for a person: "an integer", "a string", "an object".
func want(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a " + t.String()
}
