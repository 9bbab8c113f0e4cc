package api_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/testutil"
)

// The roles allowed to call each operation (x-voxsip-roles in openapi.yaml) are stated in the
// godoc of its client method ("Allowed roles: A, B.") and in the README's table, so that a
// Developer key is not advised for Create or Delete.
func TestRolesFromTheSpecInGodocAndREADME(t *testing.T) {
	docs := methodDocs(t)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, item := range testutil.LoadSpec(t).Paths.Map() {
		for _, specOp := range item.Operations() {
			raw, ok := specOp.Extensions["x-voxsip-roles"]
			if !ok {
				t.Errorf("%s has no x-voxsip-roles", specOp.OperationID)
				continue
			}
			var roles []string
			b, _ := json.Marshal(raw)
			if err := json.Unmarshal(b, &roles); err != nil || len(roles) == 0 {
				t.Errorf("%s: x-voxsip-roles %s is not a list of roles", specOp.OperationID, b)
				continue
			}
			n++
			op, _ := params.ByID(specOp.OperationID)
			want := "Allowed roles: " + strings.Join(roles, ", ") + "."
			if doc := strings.Join(strings.Fields(docs[op.GoName]), " "); !strings.Contains(doc, want) {
				t.Errorf("the godoc of Client.%s does not say %q:\n%s", op.GoName, want, docs[op.GoName])
			}
			if row := "| " + specOp.OperationID + " | " + strings.Join(roles, ", ") + " |"; !strings.Contains(string(readme), row) {
				t.Errorf("README.md has no row %q", row)
			}
		}
	}
	if n == 0 {
		t.Fatal("no operation in openapi.yaml")
	}
}

// methodDocs returns the doc comments of *Client's methods in the package's non-test files.
func methodDocs(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Doc != nil {
				out[fn.Name.Name] = fn.Doc.Text()
			}
		}
	}
	return out
}
