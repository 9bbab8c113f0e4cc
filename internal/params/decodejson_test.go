package params_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/params/internal/shapes"
)

// decodeTarget is a Params struct the generated DecodeParamsJSON is held to encoding/json on,
// with its API names and its package's errors (the fixture's are its own types).
type decodeTarget struct {
	obj     interface{ DecodeParamsJSON([]byte) error }
	names   []string
	notJSON error
	asPE    func(error) (param, reason string, ok bool)
}

// decodeTargets are the fixture of every parameter shape and every operation of openapi.yaml,
// each new.
func decodeTargets() []decodeTarget {
	names := make([]string, len(shapesOp.Params))
	for i, f := range shapesOp.Params {
		names[i] = f.Name
	}
	out := []decodeTarget{{new(shapes.ShapesParams), names, shapes.ErrNotJSON, func(err error) (string, string, bool) {
		var pe *shapes.ParamsJSONError
		if !errors.As(err, &pe) {
			return "", "", false
		}
		return pe.Param, pe.Reason, true
	}}}
	for _, op := range params.All() {
		if op.New() == nil {
			continue
		}
		names := make([]string, len(op.Fields))
		for i, f := range op.Fields {
			names[i] = f.Name
		}
		out = append(out, decodeTarget{op.New(), names, generated.ErrNotJSON, func(err error) (string, string, bool) {
			var pe *generated.ParamsJSONError
			if !errors.As(err, &pe) {
				return "", "", false
			}
			return pe.Param, pe.Reason, true
		}})
	}
	return out
}

// jsonParams is what DecodeParamsJSON must agree with: encoding/json's Decoder (unknown fields
// refused) into a fresh Params struct, then only white space, and a top-level object whose keys
// are API names exactly and each given once.
func jsonParams(data []byte, dst any, names []string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) > 0 {
		return errors.New("more than one value")
	}
	keys := json.NewDecoder(bytes.NewReader(data))
	if tok, err := keys.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("not an object: %v", tok)
	}
	seen := map[string]bool{}
	for keys.More() {
		tok, err := keys.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		switch {
		case !contains(names, key):
			return fmt.Errorf("key %q in another case", key)
		case seen[key]:
			return fmt.Errorf("key %q twice", key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := keys.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}

func contains(names []string, s string) bool {
	for _, n := range names {
		if n == s {
			return true
		}
	}
	return false
}

// checkDecodeAgrees fails t unless DecodeParamsJSON takes data exactly when jsonParams does, into
// the same values, and refuses it with ErrNotJSON or a *ParamsJSONError that quotes no value
// (at most the key at fault), and malformed JSON with ErrNotJSON.
func checkDecodeAgrees(t *testing.T, data []byte) {
	t.Helper()
	targets, fresh := decodeTargets(), decodeTargets()
	for i, target := range targets {
		got, want := target.obj, fresh[i].obj
		err := got.DecodeParamsJSON(data)
		wantErr := jsonParams(data, want, target.names)
		param, reason, isPE := target.asPE(err)
		switch {
		case (err == nil) != (wantErr == nil):
			t.Fatalf("%T %q: DecodeParamsJSON: %v; encoding/json and exact keys: %v", got, data, err, wantErr)
		case err == nil && !reflect.DeepEqual(got, want):
			t.Fatalf("%T %q: DecodeParamsJSON gave %+v, encoding/json %+v", got, data, got, want)
		case err == nil, err == target.notJSON: //nolint:errorlint // the sentinel itself
		case !isPE:
			t.Fatalf("%T %q: %T %v, want ErrNotJSON or a *ParamsJSONError", got, data, err, err)
		case !firstValid(data):
			t.Fatalf("%T %q: %v, want ErrNotJSON (the JSON is malformed)", got, data, err)
		case strings.Contains(strings.Replace(reason, fmt.Sprintf("%q", param), "", 1), `"`):
			t.Fatalf("%T %q: %q quotes the input", got, data, reason)
		}
	}
}

// firstValid reports whether data starts with a well-formed JSON value.
func firstValid(data []byte) bool {
	var raw json.RawMessage
	return json.NewDecoder(bytes.NewReader(data)).Decode(&raw) == nil
}

var decodeSeeds = []string{
	`{}`, ` {"text":"a"} `, "{\"text\":\"a\"}\r\n", `null`, `[]`, `"x"`, `1`, `{"text":"a"} {}`, `{"text":"a"}x`, `{"text":"a"} {`,
	`{"text":"a","text":"b"}`, `{"TEXT":"a"}`, `{"te\u0078t":"a"}`, `{"text":null}`, `{"text":1}`, `{"text":"\ud800"}`,
	"{\"text\":\"\xff\"}", `{"text":"a`, `{"text":`, `{"text"`, `{`, ``, `{"required_name":null}`, `{"required_name":"n"}`,
	`{"plain_int":3}`, `{"plain_int":3.0}`, `{"plain_int":1e2}`, `{"plain_int":"3"}`, `{"plain_int":-0}`,
	`{"int16":32768}`, `{"int16":-32768}`, `{"uint8":256}`, `{"uint8":-1}`, `{"uint64":18446744073709551615}`,
	`{"int64":9223372036854775808}`, `{"number":3.5e38}`, `{"number":1e-50}`, `{"double":1e400}`, `{"double":-2.5}`,
	`{"flag":false}`, `{"flag":"true"}`, `{"flag":0}`, `{"codec":"PCMU"}`, `{"codec":"opus"}`, `{"ids":"1;2"}`,
	`{"token":"s3cret"}`, `{"token":{"a":1}}`, `{"text":[1,2]}`, `{"sip_registration_id":1,"proxy":"p"}`,
	`{"sip_registration_id":1,"Proxy":"p"}`, `{"sip_registration_id":1,"sip_registration_id":2}`,
	`{"sip_registration_id":"1"}`, `{"sip_registration_id":null,"auth_user":null}`, `{"password":"\u00e9\ud83d\ude00"}`,
	`{"is_persistent":true,"sip_username":"a","proxy":"p"}`, `{"bind":false,"sip_registration_id":[1]}`,
}

// DecodeParamsJSON takes what encoding/json takes into each Params struct (every parameter
// shape, every operation), with the same values, and refuses the rest, never with a value in its
// message.
func TestDecodeParamsJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range decodeSeeds {
		checkDecodeAgrees(t, []byte(s))
	}
}

func FuzzDecodeParamsJSON(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkDecodeAgrees(t, data) })
}

// The messages of DecodeParamsJSON's refusals name the key and the types, and nothing else.
func TestDecodeParamsJSONMessages(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"sip_registration_id":1,"AUTH_USER":"x"}`, `unknown field "AUTH_USER"`},
		{`{"sip_registration_id":1,"auth_user":"x","auth_user":"y"}`, `field "auth_user" given twice`},
		{`{"sip_registration_id":"12345"}`, `field sip_registration_id: got a JSON string, want an integer`},
		{`{"sip_registration_id":1.5}`, `field sip_registration_id: got a JSON number, want an integer`},
		{`{"auth_user":{"x":"s3cret"}}`, `field auth_user: got a JSON object, want a string`},
		{`["s3cret"]`, `got a JSON array, want an object of parameters`},
		{`{"sip_registration_id":1} {"x":1}`, `more than one JSON value`},
		{`{"sip_registration_id":1,"password":"s3cret`, `not valid JSON`},
	} {
		err := new(generated.UpdateSIPRegistrationParams).DecodeParamsJSON([]byte(c.in))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
	// A reader of the error type can tell the key at fault.
	var pe *generated.ParamsJSONError
	err := new(generated.UpdateSIPRegistrationParams).DecodeParamsJSON([]byte(`{"proxy":true}`))
	if !errors.As(err, &pe) || pe.Param != "proxy" {
		t.Errorf("%v: want a *ParamsJSONError for proxy", err)
	}
}
