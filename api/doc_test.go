package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"
)

// structFields returns the fields of every struct type in the Go file at path, by type name.
func structFields(t *testing.T, path string) map[string]map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		if st, ok := ts.Type.(*ast.StructType); ok {
			fields := map[string]bool{}
			for _, fl := range st.Fields.List {
				for _, name := range fl.Names {
					fields[name.Name] = true
				}
			}
			out[ts.Name.Name] = fields
		}
		return true
	})
	return out
}

// The doc comment of each alias in ops.go names fields of the generated struct, and only those:
// after its first ":", every CamelCase word is a field (a renamed field cannot linger there).
func TestAliasDocsNameRealFields(t *testing.T) {
	structs := structFields(t, "../generated/voximplant.gen.go")
	f, err := parser.ParseFile(token.NewFileSet(), "ops.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	word := regexp.MustCompile(`\b[A-Z][a-z]+(?:[A-Z][A-Za-z]*)?\b`)
	checked := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			ts := s.(*ast.TypeSpec)
			sel, ok := ts.Type.(*ast.SelectorExpr)
			if !ts.Assign.IsValid() || !ok {
				continue
			}
			fields, ok := structs[sel.Sel.Name]
			if !ok {
				continue
			}
			_, list, found := strings.Cut(ts.Doc.Text(), ":")
			if !found {
				t.Errorf("%s: the doc comment names no fields", ts.Name.Name)
				continue
			}
			checked++
			for _, w := range word.FindAllString(list, -1) {
				if !fields[w] && !strings.Contains(w, "Sip") {
					t.Errorf("%s: the doc comment names %s, which is not a field of generated.%s", ts.Name.Name, w, sel.Sel.Name)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no alias checked")
	}
}
