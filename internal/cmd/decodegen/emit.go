package main

import (
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// model writes the field table, DecodeJX, decodeField and the accessors of one schema.
func (g *gen) model(schemaName string) error {
	name, fields, s := g.goName[schemaName], g.fields[schemaName], g.schemas[schemaName]
	if len(fields) > 32 {
		return fmt.Errorf("schema %s: %d fields, more than the 32 the decoders track", schemaName, len(fields))
	}
	g.p(``)
	g.p(`// fieldsOf%s are the JSON names of %s's fields, in field order.`, name, name)
	g.p(`var fieldsOf%s = [...]string{`, name)
	for _, f := range fields {
		g.p(`%q,`, f.JSON)
	}
	g.p(`}`)
	g.p(``)
	g.p(`// fieldOf%s returns the index of the field a JSON key selects (the exact name, else the`, name)
	g.p(`// first that equals it up to case, as encoding/json matches keys), or -1.`)
	g.p(`func fieldOf%s(key []byte) int {`, name)
	g.p(`switch string(key) {`)
	for i, f := range fields {
		g.p(`case %q:`, f.JSON)
		g.p(`return %d`, i)
	}
	g.p(`}`)
	g.p(`return jsondec.FoldIndex(key, fieldsOf%s[:])`, name)
	g.p(`}`)
	g.p(``)
	g.p(`// DecodeJX decodes the JSON value at d into r as encoding/json's Unmarshal would (keys matched`)
	g.p(`// exactly, then up to case; unknown keys skipped; null leaves a value alone and clears a pointer),`)
	g.p(`// without reflection. It fails wherever Unmarshal fails, and may also fail on JSON no API answer`)
	g.p(`// holds (nesting deeper than jx allows); use encoding/json to word such errors.`)
	g.p(`func (r *%s) DecodeJX(d *jx.Decoder) error {`, name)
	g.p(`if null, err := jsondec.Null(d); null || err != nil {`)
	g.p(`return err`)
	g.p(`}`)
	g.p(`if d.Next() != jx.Object {`)
	g.p(`return jsondec.ErrType`)
	g.p(`}`)
	g.p(`it, err := d.ObjIter()`)
	g.p(`if err != nil {`)
	g.p(`return err`)
	g.p(`}`)
	if slots := g.slots(schemaName); len(slots) > 0 {
		g.p(`var vals *valuesOf%s`, name)
	}
	g.p(`for it.Next() {`)
	g.p(`if err := r.decodeField(d, fieldOf%s(it.Key())%s); err != nil {`, name, g.valsArg(schemaName, "&vals"))
	g.p(`return err`)
	g.p(`}`)
	g.p(`}`)
	g.p(`return it.Err()`)
	g.p(`}`)
	g.p(``)
	slots := g.slots(schemaName)
	if len(slots) > 0 {
		g.p(`// valuesOf%s holds the values of %s's optional scalar members, allocated once per`, name, name)
		g.p(`// decoded object instead of once per member.`)
		g.p(`type valuesOf%s struct {`, name)
		for _, i := range slots {
			g.p(`f%d %s`, i, expr(fields[i].Type.(*ast.StarExpr).X))
		}
		g.p(`}`)
		g.p(``)
	}
	g.p(`// decodeField decodes the value at d into field i of r (-1: skips it).`)
	g.p(`func (r *%s) decodeField(d *jx.Decoder, i int%s) error {`, name, g.valsArg(schemaName, "vals **valuesOf"+name))
	g.p(`switch i {`)
	for i, f := range fields {
		g.p(`case %d: // %s`, i, f.JSON)
		g.vars = 0
		if slices.Contains(slots, i) {
			star := f.Type.(*ast.StarExpr)
			g.p(`if null, err := jsondec.Null(d); err != nil { return err } else if null { r.%s = nil } else {`, f.Go)
			g.p(`if r.%s == nil { if *vals == nil { *vals = new(valuesOf%s) }; r.%s = &(*vals).f%d }`, f.Go, name, f.Go, i)
			if err := g.decode("(*r."+f.Go+")", star.X, schemaName, f.JSON); err != nil {
				return err
			}
			g.p(`}`)
		} else if err := g.decode("r."+f.Go, f.Type, schemaName, f.JSON); err != nil {
			return err
		}
		g.p(`return nil`)
	}
	g.p(`}`)
	g.p(`return d.Skip()`)
	g.p(`}`)
	for _, f := range fields {
		if !slices.Contains(s.Required, f.JSON) {
			g.accessor(name, f)
		}
	}
	return nil
}

// accessor writes GetX: the value of an optional field, or its zero value when r or the field
// is nil (a pointer to a model is returned as it is).
func (g *gen) accessor(typ string, f field) {
	elem, deref := f.Type, false
	if star, isPtr := f.Type.(*ast.StarExpr); isPtr && !g.isModel(identName(star.X)) {
		elem, deref = star.X, true
	}
	zero := g.zero(elem)
	g.p(``)
	g.p(`// Get%s returns r.%s (%s), or %s when r or the field is nil.`, f.Go, f.Go, f.JSON, zero)
	g.p(`func (r *%s) Get%s() %s {`, typ, f.Go, expr(elem))
	if deref {
		g.p(`if r == nil || r.%s == nil { return %s }`, f.Go, zero)
		g.p(`return *r.%s`, f.Go)
	} else {
		g.p(`if r == nil { return %s }`, zero)
		g.p(`return r.%s`, f.Go)
	}
	g.p(`}`)
}

// zero is the zero value of a field type, as Go source.
func (g *gen) zero(e ast.Expr) string {
	if basic, _, ok := g.types.underlying(e); ok {
		switch basic {
		case "string":
			return `""`
		case "bool":
			return "false"
		}
		return "0"
	}
	if id, ok := e.(*ast.Ident); ok && g.isModel(id.Name) {
		return id.Name + "{}"
	}
	return "nil"
}

func identName(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// decode writes statements that decode the value at d into dst (addressable) of Go type t.
func (g *gen) decode(dst string, t ast.Expr, schemaName, prop string) error {
	unsupported := func() error {
		return fmt.Errorf("schema %s, field %s: Go type %s is not supported by the generated decoders", schemaName, prop, expr(t))
	}
	switch t := t.(type) {
	case *ast.Ident:
		if basic, named, ok := g.types.underlying(t); ok {
			return g.scalar(dst, basic, named)
		}
		if !g.isModel(t.Name) {
			return unsupported()
		}
		g.p(`if err := %s.DecodeJX(d); err != nil { return err }`, dst)
	case *ast.StarExpr:
		g.p(`if null, err := jsondec.Null(d); err != nil { return err } else if null { %s = nil } else {`, dst)
		g.p(`if %s == nil { %s = new(%s) }`, dst, dst, expr(t.X))
		if err := g.decode("(*"+dst+")", t.X, schemaName, prop); err != nil {
			return err
		}
		g.p(`}`)
	case *ast.ArrayType:
		if t.Len != nil {
			return unsupported()
		}
		g.vars++
		s, it := fmt.Sprintf("s%d", g.vars), fmt.Sprintf("it%d", g.vars)
		g.p(`if null, err := jsondec.Null(d); err != nil { return err } else if null { %s = nil } else {`, dst)
		g.p(`if d.Next() != jx.Array { return jsondec.ErrType }`)
		g.p(`%s, err := d.ArrIter()`, it)
		g.p(`if err != nil { return err }`)
		g.p(`%s := %s[:0] // encoding/json reuses the elements it holds`, s, dst)
		g.p(`for %s.Next() {`, it)
		g.p(`if len(%s) < cap(%s) { %s = %s[:len(%s)+1] } else { %s = append(%s, *new(%s)) }`, s, s, s, s, s, s, s, expr(t.Elt))
		if err := g.decode(fmt.Sprintf("%s[len(%s)-1]", s, s), t.Elt, schemaName, prop+"[]"); err != nil {
			return err
		}
		g.p(`}`)
		g.p(`if err := %s.Err(); err != nil { return err }`, it)
		g.p(`if len(%s) == 0 { %s = %s{} }`, s, s, expr(t))
		g.p(`%s = %s`, dst, s)
		g.p(`}`)
	default:
		return unsupported()
	}
	return nil
}

// scalar writes the decoding of a basic value (of named type named, when set).
func (g *gen) scalar(dst, basic, named string) error {
	conv := basic
	if named != "" {
		conv = named
	}
	bits := basics[basic]
	switch basic {
	case "string", "bool":
		fn := map[string]string{"string": "Str", "bool": "Bool"}[basic]
		if named == "" {
			g.p(`if err := jsondec.%s(d, %s); err != nil { return err }`, fn, addr(dst))
			return nil
		}
		g.p(`{ v := %s(%s); if err := jsondec.%s(d, &v); err != nil { return err }; %s = %s(v) }`, basic, dst, fn, dst, conv)
	case "float64":
		if named == "" {
			g.p(`if err := jsondec.Float(d, %s); err != nil { return err }`, addr(dst))
			return nil
		}
		g.p(`{ v := float64(%s); if err := jsondec.Float(d, &v); err != nil { return err }; %s = %s(v) }`, dst, dst, conv)
	default:
		size := fmt.Sprint(bits)
		if bits < 0 {
			size = "32 << (^uint(0) >> 63)" // int's size, without importing strconv
		}
		if basic == "int64" && named == "" {
			g.p(`if err := jsondec.Int(d, 64, %s); err != nil { return err }`, addr(dst))
			return nil
		}
		g.p(`{ v := int64(%s); if err := jsondec.Int(d, %s, &v); err != nil { return err }; %s = %s(v) }`, dst, size, dst, conv)
	}
	return nil
}

// slots are the indexes of a schema's fields that point to a scalar: their values share one
// allocation per decoded object (see valuesOfT).
func (g *gen) slots(schemaName string) []int {
	var out []int
	for i, f := range g.fields[schemaName] {
		if star, ok := f.Type.(*ast.StarExpr); ok && g.isBasic(star.X) {
			out = append(out, i)
		}
	}
	return out
}

// valsArg is ", arg" for a schema with slots, else "".
func (g *gen) valsArg(schemaName, arg string) string {
	if len(g.slots(schemaName)) == 0 {
		return ""
	}
	return ", " + arg
}

// addr is the address of dst: &x, or p for (*p).
func addr(dst string) string {
	if strings.HasPrefix(dst, "(*") && strings.HasSuffix(dst, ")") {
		return dst[2 : len(dst)-1]
	}
	return "&" + dst
}

func (g *gen) isModel(goName string) bool {
	for _, n := range g.goName {
		if n == goName {
			return true
		}
	}
	return false
}

// oneOf writes DecodeOneOfJX on the success shape: one pass over a body that is either shape.
func (g *gen) oneOf(p oneOfPair) error {
	succ, alt := g.goName[p.Success], g.goName[p.Alt]
	for _, a := range g.fields[p.Success] {
		for _, b := range g.fields[p.Alt] {
			if foldKey(a.JSON) == foldKey(b.JSON) {
				return fmt.Errorf("schema %s, field %s: also a member of %s (up to case): a body cannot tell the shapes apart", p.Success, a.JSON, p.Alt)
			}
		}
	}
	g.p(``)
	g.p(`// DecodeOneOfJX decodes a response body that is either a %s or a %s (the oneOf of the`, succ, alt)
	g.p(`// operations that answer with %s) in one pass: members of either shape fill r or alt, each as`, succ)
	g.p(`// DecodeJX would. It reports which shapes had all their required members. A required member`)
	g.p(`// given null fails with jsondec.ErrNullRequired (no API answer has one; encoding/json would`)
	g.p(`// leave a value alone, so a caller that needs the last word uses it).`)
	g.p(`func (r *%s) DecodeOneOfJX(d *jx.Decoder, alt *%s) (OneOf, error) {`, succ, alt)
	g.p(`if null, err := jsondec.Null(d); null || err != nil { return 0, err }`)
	g.p(`if d.Next() != jx.Object { return 0, jsondec.ErrType }`)
	g.p(`it, err := d.ObjIter()`)
	g.p(`if err != nil { return 0, err }`)
	g.p(`var seen, seenAlt uint32`)
	if len(g.slots(p.Success)) > 0 {
		g.p(`var vals *valuesOf%s`, succ)
	}
	if len(g.slots(p.Alt)) > 0 {
		g.p(`var valsAlt *valuesOf%s`, alt)
	}
	g.p(`for it.Next() {`)
	g.p(`if i := fieldOf%s(it.Key()); i >= 0 {`, succ)
	g.p(`if err := jsondec.Required(d, %#x, i, &seen); err != nil { return 0, err }`, g.requiredMask(p.Success))
	g.p(`if err := r.decodeField(d, i%s); err != nil { return 0, err }`, g.valsArg(p.Success, "&vals"))
	g.p(`} else if i := fieldOf%s(it.Key()); i >= 0 {`, alt)
	g.p(`if err := jsondec.Required(d, %#x, i, &seenAlt); err != nil { return 0, err }`, g.requiredMask(p.Alt))
	g.p(`if err := alt.decodeField(d, i%s); err != nil { return 0, err }`, g.valsArg(p.Alt, "&valsAlt"))
	g.p(`} else if err := d.Skip(); err != nil { return 0, err }`)
	g.p(`}`)
	g.p(`if err := it.Err(); err != nil { return 0, err }`)
	g.p(`var m OneOf`)
	g.p(`if seen == %#x { m |= OneOfSuccess }`, g.requiredMask(p.Success))
	g.p(`if seenAlt == %#x { m |= OneOfAlt }`, g.requiredMask(p.Alt))
	g.p(`return m, nil`)
	g.p(`}`)
	return nil
}

// requiredMask has bit i set when field i of the schema is required.
func (g *gen) requiredMask(schemaName string) uint32 {
	var m uint32
	for i, f := range g.fields[schemaName] {
		if slices.Contains(g.schemas[schemaName].Required, f.JSON) {
			m |= 1 << i
		}
	}
	return m
}

func expr(e ast.Expr) string {
	var b strings.Builder
	printer.Fprint(&b, token.NewFileSet(), e)
	return b.String()
}

// foldKey is a key under which names that encoding/json matches up to case collide.
func foldKey(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		b.WriteRune(r)
		s = s[n:]
	}
	return b.String()
}

// table writes decodedModels and decodedOneOfs, for the tests that hold the decoders to
// encoding/json (they are not part of the API).
func (g *gen) table(models []model, pairs []oneOfPair) {
	g.p(``)
	g.p(`// decodedModels returns a constructor per schema (by name) that has a generated decoder.`)
	g.p(`func decodedModels() map[string]func() interface{ DecodeJX(*jx.Decoder) error } {`)
	g.p(`return map[string]func() interface{ DecodeJX(*jx.Decoder) error }{`)
	for _, m := range models {
		g.p(`%q: func() interface{ DecodeJX(*jx.Decoder) error } { return new(%s) },`, m.Name, g.goName[m.Name])
	}
	g.p(`}`)
	g.p(`}`)
	g.p(``)
	g.p(`// decodedOneOfs returns, per success schema (by name), a decoder of its oneOf with the envelope.`)
	g.p(`func decodedOneOfs() map[string]func(d *jx.Decoder, alt *%s) (any, OneOf, error) {`, g.goName[pairs[0].Alt])
	g.p(`return map[string]func(d *jx.Decoder, alt *%s) (any, OneOf, error){`, g.goName[pairs[0].Alt])
	for _, p := range pairs {
		g.p(`%q: func(d *jx.Decoder, alt *%s) (any, OneOf, error) { r := new(%s); m, err := r.DecodeOneOfJX(d, alt); return r, m, err },`,
			p.Success, g.goName[p.Alt], g.goName[p.Success])
	}
	g.p(`}`)
	g.p(`}`)
}

func (g *gen) isBasic(e ast.Expr) bool { _, _, ok := g.types.underlying(e); return ok }
