package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

// goTypes is what the generator knows of the Go code oapi-codegen wrote.
type goTypes struct {
	decls     map[string]*ast.TypeSpec // type name → declaration
	unmarshal map[string]bool          // types with their own UnmarshalJSON
}

// field is one struct field and the JSON name encoding/json gives it.
type field struct {
	Go, JSON string
	Type     ast.Expr
}

func parseGo(path string, src []byte) (*goTypes, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	t := &goTypes{decls: map[string]*ast.TypeSpec{}, unmarshal: map[string]bool{}}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok {
					t.decls[ts.Name.Name] = ts
				}
			}
		case *ast.FuncDecl:
			if d.Recv != nil && d.Name.Name == "UnmarshalJSON" {
				t.unmarshal[recvName(d.Recv.List[0].Type)] = true
			}
		}
	}
	return t, nil
}

func recvName(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// typeFor returns the Go struct type generated for a schema (names match up to case: oapi-codegen
// applies initialisms, SipRegistration → SIPRegistration).
func (t *goTypes) typeFor(schemaName string) (string, []field, error) {
	var found []string
	for name, ts := range t.decls {
		if strings.EqualFold(name, schemaName) && ts.Assign == 0 {
			found = append(found, name)
		}
	}
	if len(found) != 1 {
		return "", nil, fmt.Errorf("schema %s: want one Go struct type of that name (up to case), found %d", schemaName, len(found))
	}
	name := found[0]
	st, ok := t.decls[name].Type.(*ast.StructType)
	if !ok {
		return "", nil, fmt.Errorf("schema %s: Go type %s is not a struct", schemaName, name)
	}
	if t.unmarshal[name] {
		return "", nil, fmt.Errorf("schema %s: Go type %s has its own UnmarshalJSON (additionalProperties?), not supported by the generated decoders", schemaName, name)
	}
	var fields []field
	for _, f := range st.Fields.List {
		if len(f.Names) != 1 {
			return "", nil, fmt.Errorf("schema %s: embedded or grouped field in %s is not supported", schemaName, name)
		}
		tag := ""
		if f.Tag != nil {
			raw, _ := strconv.Unquote(f.Tag.Value)
			tag = reflect.StructTag(raw).Get("json")
		}
		jsonName, _, _ := strings.Cut(tag, ",")
		if jsonName == "-" || jsonName == "" {
			return "", nil, fmt.Errorf("schema %s, field %s: no JSON name in its tag", schemaName, f.Names[0].Name)
		}
		fields = append(fields, field{Go: f.Names[0].Name, JSON: jsonName, Type: f.Type})
	}
	return name, fields, nil
}

// underlying resolves aliases and named basic types: it returns the basic type's name and the
// named type to convert to ("" when none), or ok=false.
func (t *goTypes) underlying(e ast.Expr) (basic, named string, ok bool) {
	id, isIdent := e.(*ast.Ident)
	if !isIdent {
		return "", "", false
	}
	for range 10 {
		if basics[id.Name] != 0 {
			return id.Name, named, true
		}
		ts, found := t.decls[id.Name]
		if !found {
			return "", "", false
		}
		next, isIdent := ts.Type.(*ast.Ident)
		if !isIdent {
			return "", "", false
		}
		if ts.Assign == 0 && named == "" {
			named = id.Name
		}
		id = next
	}
	return "", "", false
}

// basics are the Go types the decoders read, with their size in bits (0: not supported).
var basics = map[string]int{
	"int": -1, "int64": 64, "int32": 32, "int16": 16, "int8": 8,
	"float64": 64, "string": 1, "bool": 1,
}
