package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/voxsip/voxsip"
)

func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(voxsip.OpenAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// The module's own spec passes.
func TestSpecPasses(t *testing.T) {
	if problems := Check(load(t)); len(problems) != 0 {
		t.Fatalf("openapi.yaml: %q", problems)
	}
}

func schema(typ, format string) *openapi3.Schema {
	return &openapi3.Schema{Type: &openapi3.Types{typ}, Format: format}
}

// Each unsupported shape added to UpdateSipRegistration is one problem naming the operation, the
// parameter and the shape; each supported one is none.
func TestShapes(t *testing.T) {
	obj := schema("object", "")
	obj.Properties = openapi3.Schemas{"a": openapi3.NewSchemaRef("", schema("string", ""))}
	arr := schema("array", "")
	arr.Items = openapi3.NewSchemaRef("", schema("string", ""))
	badPattern := schema("string", "")
	badPattern.Pattern = `^(?<=a)b$`
	intEnum := schema("integer", "")
	intEnum.Enum = []any{1.0, 2.0}
	fraction := schema("integer", "")
	fraction.Min = openapi3.Ptr(1.5)
	lengthOnInt := schema("integer", "int64")
	lengthOnInt.MinLength = 2
	enum := schema("string", "")
	enum.Enum = []any{"a", "b"}
	list := schema("string", "")
	list.Pattern = "^[0-9]+(;[0-9]+)*$"
	negativeUint := schema("integer", "uint8")
	negativeUint.Min = openapi3.Ptr(-1.0)
	minNum := schema("number", "double")
	minNum.Min = openapi3.Ptr(0.5)
	for _, tc := range []struct {
		name, in string
		schema   *openapi3.Schema
		want     string // "" for no problem
	}{
		{"object", "query", obj, `shape "object"`},
		{"array", "query", arr, `shape "array"`},
		{"header", "header", schema("string", ""), "in: header"},
		{"date", "query", schema("string", "date"), `format "date"`},
		{"int128", "query", schema("integer", "int128"), `format "int128"`},
		{"negative_uint", "query", negativeUint, `outside what format "uint8" holds`},
		{"uint8", "query", schema("integer", "uint8"), ""},
		{"int16", "query", schema("integer", "int16"), ""},
		{"uint64", "query", schema("integer", "uint64"), ""},
		{"bad_pattern", "query", badPattern, "cannot compile"},
		{"int_enum", "query", intEnum, "enum of shape integer"},
		{"fraction", "query", fraction, "not a whole number"},
		{"length_on_int", "query", lengthOnInt, "only strings"},
		{"untyped", "query", &openapi3.Schema{}, `shape "untyped"`},
		{"int", "query", schema("integer", ""), ""},
		{"int32", "query", schema("integer", "int32"), ""},
		{"number", "query", schema("number", ""), ""},
		{"double", "query", minNum, ""},
		{"enum", "query", enum, ""},
		{"list", "query", list, ""},
		{"secret", "query", schema("string", "password"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := load(t)
			op := doc.Paths.Value("/UpdateSipRegistration").Post
			op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
				Name: "x_" + tc.name, In: tc.in, Schema: openapi3.NewSchemaRef("", tc.schema),
			}})
			problems := Check(doc)
			if tc.want == "" {
				if len(problems) != 0 {
					t.Fatalf("a supported shape refused: %q", problems)
				}
				return
			}
			if len(problems) != 1 {
				t.Fatalf("%d problems, want 1: %q", len(problems), problems)
			}
			prefix := "operation UpdateSipRegistration, parameter x_" + tc.name + ": "
			if !strings.HasPrefix(problems[0], prefix) || !strings.Contains(problems[0], tc.want) {
				t.Errorf("problem %q, want %q…%q", problems[0], prefix, tc.want)
			}
		})
	}
}

// Rules must name parameters of their operation; the code enum's extensions must line up; at
// most one x-voxsip-cli-password per operation.
func TestExtensions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(doc *openapi3.T)
		want   string
	}{
		{"rule names a stranger", func(doc *openapi3.T) {
			op := doc.Paths.Value("/DeleteSipRegistration").Post
			op.Extensions["x-voxsip-rules"] = []any{map[string]any{"at-most-one": []any{"sip_registration_id", "nope"}}}
		}, "x-voxsip-rules[0].at-most-one names nope"},
		{"unless without =", func(doc *openapi3.T) {
			op := doc.Paths.Value("/DeleteSipRegistration").Post
			op.Extensions["x-voxsip-rules"] = []any{map[string]any{"require-any": []any{"sip_registration_id"}, "unless": "bind"}}
		}, "must be name=value"},
		{"unknown rule", func(doc *openapi3.T) {
			op := doc.Paths.Value("/DeleteSipRegistration").Post
			op.Extensions["x-voxsip-rules"] = []any{map[string]any{"exactly-one": []any{"sip_registration_id"}}}
		}, "is not a rule"},
		{"code text short", func(doc *openapi3.T) {
			s := doc.Components.Schemas["ErrorCode"].Value
			s.Extensions["x-voxsip-code-text"] = s.Extensions["x-voxsip-code-text"].([]any)[1:]
		}, "x-voxsip-code-text must list one entry per enum value"},
		{"temporary not in enum", func(doc *openapi3.T) {
			doc.Components.Schemas["ErrorCode"].Value.Extensions["x-voxsip-temporary"] = []any{99999.0}
		}, "x-voxsip-temporary lists 99999"},
		{"outcome-unknown not in enum", func(doc *openapi3.T) {
			doc.Components.Schemas["ErrorCode"].Value.Extensions["x-voxsip-outcome-unknown"] = []any{99998.0}
		}, "x-voxsip-outcome-unknown lists 99998"},
		{"temporary and outcome-unknown overlap", func(doc *openapi3.T) {
			s := doc.Components.Schemas["ErrorCode"].Value
			s.Extensions["x-voxsip-outcome-unknown"] = s.Extensions["x-voxsip-temporary"].([]any)[:1]
		}, "is in both x-voxsip-temporary"},
		{"a name twice", func(doc *openapi3.T) {
			names := doc.Components.Schemas["ErrorCode"].Value.Extensions["x-enum-varnames"].([]any)
			names[0], names[1] = "Twice", "Twice"
		}, "x-enum-varnames names Twice twice"},
		{"outcome-unknown not a list", func(doc *openapi3.T) {
			doc.Components.Schemas["ErrorCode"].Value.Extensions["x-voxsip-outcome-unknown"] = 1.0
		}, "x-voxsip-outcome-unknown must be a list"},
		{"cli password on a plain string", func(doc *openapi3.T) {
			op := doc.Paths.Value("/UpdateSipRegistration").Post
			op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
				Name: "pin", In: "query", Schema: openapi3.NewSchemaRef("", schema("string", "")),
				Extensions: map[string]any{"x-voxsip-cli-password": true},
			}})
		}, "x-voxsip-cli-password must be true and on a format: password parameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := load(t)
			tc.change(doc)
			problems := Check(doc)
			if len(problems) != 1 || !strings.Contains(problems[0], tc.want) {
				t.Errorf("problems %q, want one saying %q", problems, tc.want)
			}
		})
	}
}

// run prints each problem as "path: problem" and fails; a good spec passes silently.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, voxsip.OpenAPISpec, 0o600); err != nil {
		t.Fatal(err)
	}
	spec := strings.Replace(string(voxsip.OpenAPISpec), "    user_name:\n      name: user_name\n      in: query", "    user_name:\n      name: user_name\n      in: header", 1)
	if err := os.WriteFile(bad, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if rc := run(good, &out); rc != 0 || out.Len() != 0 {
		t.Errorf("good spec: rc %d, output %q", rc, out.String())
	}
	out.Reset()
	if rc := run(bad, &out); rc != 1 || !strings.HasPrefix(out.String(), bad+": operation ") || !strings.Contains(out.String(), "parameter user_name: is in: header") {
		t.Errorf("bad spec: rc %d, output %q", rc, out.String())
	}
}
