package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/testutil"
)

// specCodes returns openapi.yaml's ErrorCode enum: each code with its x-enum-varnames name and its
// x-voxsip-code-text meaning, and the x-voxsip-temporary codes.
func specCodes(t *testing.T) (codes []int, names, texts []string, temporary []int) {
	t.Helper()
	s := testutil.LoadSpec(t).Components.Schemas["ErrorCode"].Value
	for _, v := range s.Enum {
		codes = append(codes, int(v.(float64)))
	}
	for _, v := range s.Extensions["x-enum-varnames"].([]any) {
		names = append(names, v.(string))
	}
	for _, v := range s.Extensions["x-voxsip-code-text"].([]any) {
		texts = append(texts, v.(string))
	}
	for _, v := range s.Extensions["x-voxsip-temporary"].([]any) {
		temporary = append(temporary, int(v.(float64)))
	}
	if len(codes) == 0 || len(names) != len(codes) || len(texts) != len(codes) {
		t.Fatalf("ErrorCode: %d codes, %d names, %d texts", len(codes), len(names), len(texts))
	}
	return codes, names, texts, temporary
}

// Each code's Error, Text and Temporary say what openapi.yaml says of it.
func TestErrorCodesFromSpec(t *testing.T) {
	codes, _, texts, temporary := specCodes(t)
	for i, n := range codes {
		c := api.ErrorCode(n)
		if c.Text() != texts[i] {
			t.Errorf("code %d: Text() = %q, want %q", n, c.Text(), texts[i])
		}
		if want := "Voximplant error " + strconv.Itoa(n) + " (" + texts[i] + ")"; c.Error() != want {
			t.Errorf("code %d: Error() = %q, want %q", n, c.Error(), want)
		}
		if got, want := c.Temporary(), slices.Contains(temporary, n); got != want {
			t.Errorf("code %d: Temporary() = %v, want %v", n, got, want)
		}
		if got, want := c.OutcomeUnknown(), slices.Contains(specIntList(t, "x-voxsip-outcome-unknown"), n); got != want {
			t.Errorf("code %d: OutcomeUnknown() = %v, want %v", n, got, want)
		}
	}
	if c := api.ErrorCode(99999); c.Text() != "" || c.Error() != "Voximplant error 99999" || c.Temporary() || c.OutcomeUnknown() {
		t.Errorf("an unlisted code: Text %q, Error %q, Temporary %v", c.Text(), c.Error(), c.Temporary())
	}
}

// api's codes.gen.go (internal/cmd/apicodes) declares Code<Name> = generated.ErrorCode<Name> for
// every name of the spec's enum, and no other.
func TestErrorCodeConstantsMatchSpec(t *testing.T) {
	_, names, _, _ := specCodes(t)
	f, err := parser.ParseFile(token.NewFileSet(), "codes.gen.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, id := range vs.Names {
				name, ok := strings.CutPrefix(id.Name, "Code")
				if !ok {
					continue
				}
				sel, ok := vs.Values[i].(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "ErrorCode"+name {
					t.Errorf("%s is not generated.ErrorCode%s", id.Name, name)
				}
				declared = append(declared, name)
			}
		}
	}
	slices.Sort(declared)
	want := slices.Sorted(slices.Values(names))
	if !slices.Equal(declared, want) {
		t.Errorf("api declares codes %v,\nopenapi.yaml names %v", declared, want)
	}
}
