package main

import (
	"os"
	"strings"
	"testing"
)

// A small spec and the Go types oapi-codegen would write for it; each case edits one of them.
const testSpec = `
openapi: 3.0.3
paths:
  /A:
    post:
      operationId: A
      responses:
        "200":
          content:
            application/json:
              schema:
                oneOf:
                  - $ref: "#/components/schemas/Thing"
                  - $ref: "#/components/schemas/Oops"
  /B:
    post:
      operationId: B
      responses:
        "200":
          content:
            application/json:
              schema:
                oneOf:
                  - $ref: "#/components/schemas/Other"
                  - $ref: "#/components/schemas/Oops"
components:
  schemas:
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: integer, format: int64}
        note: {type: string}
        extra: EXTRA
    Other:
      type: object
      properties:
        ok: {type: boolean}
    Oops:
      type: object
      required: [error]
      properties:
        error: {type: string}
`

const testTypes = `package generated
type Thing struct {
	ID int64 ` + "`json:\"id\"`" + `
	Note *string ` + "`json:\"note,omitempty\"`" + `
	Extra EXTRAGO ` + "`json:\"extra,omitempty\"`" + `
}
type Other struct {
	Ok *bool ` + "`json:\"ok,omitempty\"`" + `
}
type Oops struct {
	Error string ` + "`json:\"error\"`" + `
}
`

func genWith(t *testing.T, extraSpec, extraGo string) ([]byte, error) {
	t.Helper()
	spec := strings.Replace(testSpec, "EXTRA", extraSpec, 1)
	types := strings.Replace(testTypes, "EXTRAGO", extraGo, 1)
	return generate([]byte(spec), "types.go", []byte(types))
}

func TestSupportedShapesGenerate(t *testing.T) {
	for _, c := range []struct{ spec, goType string }{
		{`{type: number, format: double}`, `*float64`},
		{`{type: array, items: {type: string}}`, `*[]string`},
		{`{type: array, items: {$ref: "#/components/schemas/Other"}}`, `[]Other`},
		{`{$ref: "#/components/schemas/Other"}`, `*Other`},
	} {
		src, err := genWith(t, c.spec, c.goType)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		for _, want := range []string{"func (r *Thing) DecodeJX", "func (r *Thing) DecodeOneOfJX(d *jx.Decoder, alt *Oops)",
			"func (r *Other) DecodeOneOfJX", "func (r *Thing) GetNote() string", "func (r *Thing) GetExtra()"} {
			if !strings.Contains(string(src), want) {
				t.Errorf("%s: output lacks %q", c.spec, want)
			}
		}
		if strings.Contains(string(src), "GetID") {
			t.Errorf("%s: an accessor for the required id", c.spec)
		}
	}
}

// A shape the decoders cannot take fails generation with one line naming schema and field.
func TestUnsupportedShapeFailsWithOneLine(t *testing.T) {
	for _, c := range []struct{ spec, goType, want string }{
		{`{type: object, additionalProperties: {type: string}}`, `*map[string]string`, "schema Thing, field extra: additionalProperties"},
		{`{type: object, properties: {a: {type: string}}}`, `*struct{ A *string }`, "schema Thing, field extra: an inline object"},
		{`{oneOf: [{type: string}, {type: integer}]}`, `*Thing_Extra`, "schema Thing, field extra: oneOf"},
		{`{type: string, format: date}`, `*openapi_types.Date`, "schema Thing, field extra: string format date"},
		{`{type: array, items: {type: object, additionalProperties: true}}`, `*[]map[string]interface{}`, "schema Thing, field extra[]: additionalProperties"},
		{`{type: integer}`, `*uint`, "schema Thing, field extra: Go type uint is not supported"},
		{`{type: string}`, `*string ` + "`json:\"NOTE\"`" + `; X int`, "schema Thing, field"},
	} {
		_, err := genWith(t, c.spec, c.goType)
		if err == nil {
			t.Errorf("%s (%s): generated", c.spec, c.goType)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q, want one line with %q", c.spec, err, c.want)
		}
	}
}

func TestEnvelopeMustBeTellable(t *testing.T) {
	spec := strings.Replace(testSpec, `"#/components/schemas/Other"`, `"#/components/schemas/Thing"`, 1)
	spec = strings.Replace(spec, "EXTRA", "{type: string}", 1)
	_, err := generate([]byte(spec), "types.go", []byte(strings.Replace(testTypes, "EXTRAGO", "*string", 1)))
	if err == nil || !strings.Contains(err.Error(), "cannot tell the error envelope") {
		t.Fatalf("err = %v", err)
	}
}

// The checked-in output is what the generator makes of the repository's spec.
func TestRepositoryOutputIsCurrent(t *testing.T) {
	spec, err1 := os.ReadFile("../../../openapi.yaml")
	types, err2 := os.ReadFile("../../../generated/voximplant.gen.go")
	have, err3 := os.ReadFile("../../../generated/decode.gen.go")
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	want, err := generate(spec, "voximplant.gen.go", types)
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != string(want) {
		t.Fatal("generated/decode.gen.go is stale: run go generate ./...")
	}
}
