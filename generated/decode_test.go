package generated

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-faster/jx"
	"go.yaml.in/yaml/v3"

	voxsip "github.com/voxsip/voxsip"
	"github.com/voxsip/voxsip/internal/jsondec"
)

// specSchema is the part of a component schema the tests read.
type specSchema struct {
	Ref        string                 `yaml:"$ref"`
	Type       string                 `yaml:"type"`
	Items      *specSchema            `yaml:"items"`
	Properties map[string]*specSchema `yaml:"properties"`
	Required   []string               `yaml:"required"`
	OneOf      []*specSchema          `yaml:"oneOf"`
}

type specDoc struct {
	Paths map[string]map[string]struct {
		Responses map[string]struct {
			Content map[string]struct {
				Schema *specSchema `yaml:"schema"`
			} `yaml:"content"`
		} `yaml:"responses"`
	} `yaml:"paths"`
	Components struct {
		Schemas map[string]*specSchema `yaml:"schemas"`
	} `yaml:"components"`
}

func loadSpec(t testing.TB) *specDoc {
	t.Helper()
	var doc specDoc
	if err := yaml.Unmarshal(voxsip.OpenAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

// responseSchemas returns every component schema a JSON response body of the spec reaches.
func responseSchemas(doc *specDoc) []string {
	found := map[string]bool{}
	var visit func(s *specSchema)
	visit = func(s *specSchema) {
		for ; s != nil; s = s.Items {
			for _, m := range s.OneOf {
				visit(m)
			}
			if s.Ref != "" && !found[refName(s.Ref)] {
				found[refName(s.Ref)] = true
				visit(doc.Components.Schemas[refName(s.Ref)])
			}
			for _, p := range s.Properties {
				visit(p)
			}
		}
	}
	for _, item := range doc.Paths {
		for _, op := range item {
			for _, r := range op.Responses {
				visit(r.Content["application/json"].Schema)
			}
		}
	}
	names := slices.Collect(maps.Keys(found))
	sort.Strings(names)
	return names
}

// sample returns a JSON value of schema s with every property set.
func sample(doc *specDoc, s *specSchema) any {
	if s.Ref != "" {
		return sample(doc, doc.Components.Schemas[refName(s.Ref)])
	}
	switch s.Type {
	case "integer":
		return 7
	case "number":
		return 1.5
	case "boolean":
		return true
	case "string":
		return "x\u00e9"
	case "array":
		return []any{sample(doc, s.Items), sample(doc, s.Items)}
	}
	obj := map[string]any{}
	for name, p := range s.Properties {
		obj[name] = sample(doc, p)
	}
	return obj
}

// wrongValues are JSON values of every kind but the schema's (null is never wrong).
func wrongValues(doc *specDoc, s *specSchema) []string {
	if s.Ref != "" {
		s = doc.Components.Schemas[refName(s.Ref)]
	}
	kinds := map[string][]string{
		"integer": {`"7"`, `7.5`, `1e2`, `true`, `{}`, `[]`, `99999999999999999999`},
		"number":  {`"1.5"`, `true`, `{}`, `[]`, `1e999`},
		"boolean": {`1`, `"true"`, `{}`, `[]`},
		"string":  {`7`, `true`, `{}`, `[]`},
		"array":   {`7`, `"x"`, `true`, `{}`},
		"object":  {`7`, `"x"`, `true`, `[]`},
	}
	t := s.Type
	if t == "" {
		t = "object"
	}
	return kinds[t]
}

// decodeJX runs the generated decoder of a model over body, to its end.
func decodeJX(v interface{ DecodeJX(*jx.Decoder) error }, body []byte) error {
	d := jx.DecodeBytes(body)
	if err := v.DecodeJX(d); err != nil {
		return err
	}
	return jsondec.End(d)
}

// sameAsEncodingJSON fails t unless the generated decoder of schema name and encoding/json take
// body alike: both reject it, or both accept it with the same values. It returns the decoder's error.
func sameAsEncodingJSON(t testing.TB, name string, body []byte) error {
	t.Helper()
	mk := decodedModels()[name]
	got, want := mk(), mk()
	errGot := decodeJX(got, body)
	errWant := json.Unmarshal(body, want)
	if (errGot == nil) != (errWant == nil) {
		t.Fatalf("%s %q: generated decoder err = %v, encoding/json err = %v", name, body, errGot, errWant)
	}
	if errGot == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%s %q: generated decoder gives %+v, encoding/json %+v", name, body, got, want)
	}
	return errGot
}

func TestDecodersCoverEveryResponseSchema(t *testing.T) {
	doc := loadSpec(t)
	want := responseSchemas(doc)
	got := slices.Sorted(maps.Keys(decodedModels()))
	if !slices.Equal(got, want) {
		t.Fatalf("decoders for %v, the spec's responses hold %v", got, want)
	}
	var shapes []string // every oneOf member but the envelope has a one-pass decoder
	for _, item := range doc.Paths {
		for _, op := range item {
			for _, r := range op.Responses {
				if s := r.Content["application/json"].Schema; s != nil {
					for _, m := range s.OneOf {
						if n := refName(m.Ref); n != "ErrorResponse" && !slices.Contains(shapes, n) {
							shapes = append(shapes, n)
						}
					}
				}
			}
		}
	}
	sort.Strings(shapes)
	if oneOfs := slices.Sorted(maps.Keys(decodedOneOfs())); !slices.Equal(oneOfs, shapes) {
		t.Fatalf("one-pass decoders for %v, the spec's oneOf success shapes are %v", oneOfs, shapes)
	}
	for _, name := range want {
		body, _ := json.Marshal(sample(doc, doc.Components.Schemas[name]))
		if err := sameAsEncodingJSON(t, name, body); err != nil {
			t.Fatalf("%s: a full sample is refused: %v", name, err)
		}
	}
}

// Dropping any required member (or making it null) is taken as encoding/json takes it.
func TestRequiredMemberDroppedOrNull(t *testing.T) {
	doc := loadSpec(t)
	for _, name := range responseSchemas(doc) {
		s := doc.Components.Schemas[name]
		if len(s.Required) == 0 {
			continue
		}
		for _, req := range s.Required {
			obj := sample(doc, s).(map[string]any)
			delete(obj, req)
			body, _ := json.Marshal(obj)
			if err := sameAsEncodingJSON(t, name, body); err != nil {
				t.Errorf("%s without %s: refused: %v", name, req, err)
			}
			obj[req] = nil
			body, _ = json.Marshal(obj)
			sameAsEncodingJSON(t, name, body)
		}
	}
}

// Every member given a value of another kind is refused, as encoding/json refuses it.
func TestWrongTypeRefused(t *testing.T) {
	doc := loadSpec(t)
	for _, name := range responseSchemas(doc) {
		s := doc.Components.Schemas[name]
		for _, prop := range slices.Sorted(maps.Keys(s.Properties)) {
			for _, wrong := range wrongValues(doc, s.Properties[prop]) {
				obj := sample(doc, s).(map[string]any)
				obj[prop] = json.RawMessage(wrong)
				body, _ := json.Marshal(obj)
				if err := sameAsEncodingJSON(t, name, body); err == nil {
					t.Errorf("%s with %s = %s: accepted", name, prop, wrong)
				}
			}
			// Inside an array, one wrong element is enough.
			if p := s.Properties[prop]; p.Type == "array" {
				obj := sample(doc, s).(map[string]any)
				obj[prop] = json.RawMessage(`[` + mustJSON(sample(doc, p.Items)) + `, 7]`)
				body, _ := json.Marshal(obj)
				if err := sameAsEncodingJSON(t, name, body); err == nil {
					t.Errorf("%s with %s = [ok, 7]: accepted", name, prop)
				}
			}
		}
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Bodies that encoding/json reads in its own way: keys up to case, duplicates, null, escapes,
// invalid UTF-8, numbers at the edges, trailing data.
var edgeBodies = []string{
	`{"result":1}`, `{"RESULT":1}`, `{"Result":1,"result":2}`, `{"result":1,"result":null}`, `null`, ` {} `,
	`{"result":1} x`, `{"result":1}{}`, `{"result":1}{"a":`, `{"result":1}{"error":`, `{"result":1}[1,`, `{"result":1}"ab`, `{"result":-0}`, `{"result":01}`, `{"result":1.}`, `{"result":-}`,
	`{"result":1E+2}`, `{"count":9223372036854775807}`, `{"count":9223372036854775808}`,
	`{"msg":"a\u00e9\ud83d\ude00\ud800x\\\"\/\b\f\n\r\t"}`, "{\"msg\":\"\xff\xfe a \xed\xa0\x80\"}", `{"msg":"\x"}`,
	"{\"msg\":\"a\tb\"}", `{"error":{"code":1,"msg":"a"},"error":{"code":2}}`, `{"error":null}`,
	`{"result":[{"sip_username":"a","proxy":"p"},{"proxy":"q"}],"result":[{"proxy":"r"}]}`,
	`{"result":[{"sip_username":"a"},{"sip_username":"b"}],"result":[],"result":[{},{}]}`,
	`{"result":[null,{"successful":null,"successful":true}]}`, `{"account_info":{"account_id":1,"frozen":true},"account_info":{"account_id":2}}`,
	`{"account_info":{"balance":1e308}}`, `{"account_info":{"balance":-1.5e-300}}`, `{"errors":[]}`, `{"errors":null}`,
	`{"x":[1,{"y":[true,false,null,"s",-1.5e3]}],"result":1}`, `{"x":01}`, `{"x":[1,]}`, `{"x":tru}`, `{"x":"\u12"}`,
	`{"ſip_username":"long s"}`, `{"\u0073ip_username":"escaped"}`, `{"sip_usernamK":1}`, "\ufeff{}", `[]`, `"s"`, `1`, ``, `  `,
}

func TestEdgeBodies(t *testing.T) {
	for _, name := range slices.Sorted(maps.Keys(decodedModels())) {
		for _, body := range edgeBodies {
			sameAsEncodingJSON(t, name, []byte(body))
		}
	}
}

// envelopeRef is how the client read the error envelope before the generated decoders.
type envelopeRef struct {
	Error  *APIError  `json:"error"`
	Errors []APIError `json:"errors"`
}

// sameOneOf fails t unless DecodeOneOfJX of a success schema and encoding/json (the success
// shape and envelopeRef, decoded separately) read body alike.
func sameOneOf(t testing.TB, name string, body []byte) {
	t.Helper()
	var alt ErrorResponse
	d := jx.DecodeBytes(body)
	got, match, err := decodedOneOfs()[name](d, &alt)
	if err == nil {
		err = jsondec.End(d)
	}
	want := decodedModels()[name]()
	var env envelopeRef
	errEnv, errWant := json.Unmarshal(body, &env), json.Unmarshal(body, want)
	if err != nil {
		if errEnv == nil && errWant == nil && !errors.Is(err, jsondec.ErrNullRequired) {
			t.Fatalf("%s %q: refused (%v), encoding/json takes it", name, body, err)
		}
		return
	}
	if errEnv != nil || errWant != nil {
		t.Fatalf("%s %q: accepted, encoding/json refuses it: %v / %v", name, body, errEnv, errWant)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s %q: success shape %+v, encoding/json %+v", name, body, got, want)
	}
	if (match&OneOfAlt != 0) != (env.Error != nil) || (env.Error != nil && alt.Error != *env.Error) {
		t.Fatalf("%s %q: error member %v %+v, encoding/json %+v", name, body, match&OneOfAlt != 0, alt.Error, env.Error)
	}
	if !reflect.DeepEqual(alt.GetErrors(), env.Errors) {
		t.Fatalf("%s %q: errors %+v, encoding/json %+v", name, body, alt.GetErrors(), env.Errors)
	}
}

func TestOneOfEdgeBodies(t *testing.T) {
	for _, name := range slices.Sorted(maps.Keys(decodedOneOfs())) {
		for _, body := range edgeBodies {
			sameOneOf(t, name, []byte(body))
		}
	}
}

// FuzzDecodeMatchesEncodingJSON holds every generated decoder to encoding/json on arbitrary
// bytes: the same accept/reject decision and the same values (make fuzz runs it longer).
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	doc := loadSpec(f)
	for _, body := range edgeBodies {
		f.Add([]byte(body))
	}
	for _, name := range responseSchemas(doc) {
		f.Add([]byte(mustJSON(sample(doc, doc.Components.Schemas[name]))))
	}
	models := slices.Sorted(maps.Keys(decodedModels()))
	oneOfs := slices.Sorted(maps.Keys(decodedOneOfs()))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, name := range models {
			sameAsEncodingJSON(t, name, body)
		}
		for _, name := range oneOfs {
			sameOneOf(t, name, body)
		}
	})
}

func Example_accessors() {
	var reg SIPRegistration
	fmt.Printf("%q %v %d\n", reg.GetAuthUser(), reg.GetSuccessful(), reg.GetStatusCode())
	// Output: "" false 0
}

// Every optional member of a response schema has a nil-safe accessor that returns the field's
// value, and its zero value on a nil receiver or an absent field; required members have none.
func TestAccessorsOfOptionalMembers(t *testing.T) {
	doc := loadSpec(t)
	for _, name := range responseSchemas(doc) {
		s := doc.Components.Schemas[name]
		full := decodedModels()[name]()
		if err := decodeJX(full, []byte(mustJSON(sample(doc, s)))); err != nil {
			t.Fatal(err)
		}
		pv := reflect.ValueOf(full)
		st := pv.Elem().Type()
		for i := range st.NumField() {
			f := st.Field(i)
			jsonName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			get := pv.MethodByName("Get" + f.Name)
			if slices.Contains(s.Required, jsonName) {
				if get.IsValid() {
					t.Errorf("%s.%s is required but has an accessor", name, jsonName)
				}
				continue
			}
			if !get.IsValid() {
				t.Errorf("%s.%s is optional and has no Get%s", name, jsonName, f.Name)
				continue
			}
			want := pv.Elem().Field(i)
			if want.Kind() == reflect.Pointer && want.Elem().Kind() != reflect.Struct {
				want = want.Elem()
			}
			if got := get.Call(nil)[0]; !reflect.DeepEqual(got.Interface(), want.Interface()) || got.IsZero() {
				t.Errorf("%s.Get%s() = %v, want %v (not zero)", name, f.Name, got, want)
			}
			zero := reflect.New(st)
			if got := zero.MethodByName("Get" + f.Name).Call(nil)[0]; !got.IsZero() {
				t.Errorf("%s{}.Get%s() = %v, want the zero value", name, f.Name, got)
			}
			if got := reflect.Zero(pv.Type()).MethodByName("Get" + f.Name).Call(nil)[0]; !got.IsZero() {
				t.Errorf("(*%s)(nil).Get%s() = %v, want the zero value", name, f.Name, got)
			}
		}
	}
}
