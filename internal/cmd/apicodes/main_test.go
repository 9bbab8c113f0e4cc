package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const specHead = "openapi: 3.0.3\ncomponents:\n  schemas:\n"

// The constants follow the enum: a code added to the spec gets its constant, documented with its
// meaning, and the output is Go that parses.
func TestRenderFollowsTheEnum(t *testing.T) {
	spec := specHead + `    Codes:
      type: integer
      enum: [7, 1001]
      x-enum-varnames: [Seven, BrandNew]
      x-voxsip-code-text: ["seven", "a code\n  the spec gained"]
`
	e, err := findEnum([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	src, err := render(e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "codes.gen.go", src, parser.ParseComments); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, src)
	}
	for _, want := range []string{
		"CodeSeven = generated.CodesSeven",
		"// CodeBrandNew is 1001: a code the spec gained.",
		"CodeBrandNew = generated.CodesBrandNew",
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("output lacks %q:\n%s", want, src)
		}
	}
}

// A spec the constants cannot be written from fails with a line that says why.
func TestFindEnumRefuses(t *testing.T) {
	for _, c := range []struct{ name, schemas, want string }{
		{"none", "    A:\n      type: integer\n      enum: [1]\n", "no component schema has x-voxsip-code-text"},
		{"two", "    A:\n      enum: [1]\n      x-enum-varnames: [X]\n      x-voxsip-code-text: [x]\n    B:\n      enum: [2]\n      x-enum-varnames: [Y]\n      x-voxsip-code-text: [y]\n", "2 component schemas"},
		{"counts", "    A:\n      enum: [1, 2]\n      x-enum-varnames: [X]\n      x-voxsip-code-text: [x, y]\n", "2 enum values, 1 x-enum-varnames, 2 x-voxsip-code-text"},
		{"name", "    A:\n      enum: [1]\n      x-enum-varnames: [\"not-go\"]\n      x-voxsip-code-text: [x]\n", `"not-go" is not a Go identifier`},
		{"schema", "    codes:\n      enum: [1]\n      x-enum-varnames: [X]\n      x-voxsip-code-text: [x]\n", "exported Go identifier"},
	} {
		_, err := findEnum([]byte(specHead + c.schemas))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to say %q", c.name, err, c.want)
		}
	}
}

// run writes the file for the project's own spec, and it is what api/codes.gen.go holds (the
// generated file is not stale).
func TestRunMatchesCommittedFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "codes.gen.go")
	if err := run("../../../openapi.yaml", out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../../api/codes.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("api/codes.gen.go differs from what apicodes writes for openapi.yaml: run go generate ./...")
	}
}
