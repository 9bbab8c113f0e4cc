package main

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// formats lists, per schema type, the formats the generated code can encode.
var formats = map[string][]string{
	"integer": {"", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64"},
	"number":  {"", "float", "double"},
	"boolean": {""},
	"string":  {"", "password"},
}

// Check returns every problem of doc, one line each, in the spec's path order.
func Check(doc *openapi3.T) []string {
	var out []string
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		methods := item.Operations()
		for _, m := range slices.Sorted(mapKeys(methods)) {
			out = append(out, checkOperation(methods[m])...)
		}
	}
	if doc.Components != nil {
		for _, name := range slices.Sorted(mapKeys(doc.Components.Schemas)) {
			if s := doc.Components.Schemas[name]; s != nil && s.Value != nil {
				out = append(out, checkCodeEnum(name, s.Value)...)
			}
		}
	}
	return out
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func checkOperation(op *openapi3.Operation) []string {
	var out []string
	where := "operation " + op.OperationID
	if op.RequestBody != nil {
		out = append(out, where+": has a request body; voxsip sends every input as a query parameter")
	}
	names := map[string]bool{}
	cliPasswords := 0
	for _, ref := range op.Parameters {
		p := ref.Value
		if p == nil {
			continue
		}
		names[p.Name] = true
		if problem := paramShape(p); problem != "" {
			out = append(out, fmt.Sprintf("%s, parameter %s: %s", where, p.Name, problem))
		}
		if v, ok := p.Extensions["x-voxsip-cli-password"]; ok {
			cliPasswords++
			if v != true || p.Schema == nil || p.Schema.Value == nil || p.Schema.Value.Format != "password" {
				out = append(out, fmt.Sprintf("%s, parameter %s: x-voxsip-cli-password must be true and on a format: password parameter", where, p.Name))
			}
		}
	}
	if cliPasswords > 1 {
		out = append(out, where+": more than one parameter has x-voxsip-cli-password")
	}
	return append(out, checkRules(where, op.Extensions["x-voxsip-rules"], names)...)
}

// paramShape says what the generated code cannot handle about p, or "".
func paramShape(p *openapi3.Parameter) string {
	if p.In != openapi3.ParameterInQuery {
		return fmt.Sprintf("is in: %s; voxsip sends query parameters only", p.In)
	}
	if p.Schema == nil || p.Schema.Value == nil {
		return "has no schema (content is not supported); give it a schema of type integer, number, boolean or string"
	}
	if (p.Style != "" && p.Style != openapi3.SerializationForm) || (p.Explode != nil && !*p.Explode) || p.AllowReserved {
		return "has a style other than form (exploded, reserved characters escaped), which voxsip does not encode"
	}
	s := p.Schema.Value
	typ := schemaType(s)
	allowed, known := formats[typ]
	switch {
	case typ == "array":
		return `has shape "array", which voxsip does not encode: the API takes a list as one string joined by ";", so declare it type: string with a pattern`
	case !known:
		return fmt.Sprintf("has shape %q, which voxsip does not encode (integer, number, boolean or string)", cmpOr(typ, "untyped"))
	case !slices.Contains(allowed, s.Format):
		return fmt.Sprintf("has shape %s with format %q, which voxsip does not encode (formats of %s: %q)", typ, s.Format, typ, allowed)
	case len(s.Enum) > 0 && (typ != "string" || s.Format != ""):
		return fmt.Sprintf("has an enum of shape %s; only a plain string may be an enum", typ)
	case s.Nullable || s.ExclusiveMin.IsSet() || s.ExclusiveMax.IsSet() || s.MultipleOf != nil:
		return "uses nullable, exclusiveMinimum, exclusiveMaximum or multipleOf, which voxsip does not check"
	}
	return limitsProblem(typ, s)
}

// limitsProblem says which of s's limits the generated Validate would not apply to typ, or "".
func limitsProblem(typ string, s *openapi3.Schema) string {
	numeric := typ == "integer" || typ == "number"
	if !numeric && (s.Min != nil || s.Max != nil) {
		return fmt.Sprintf("has minimum or maximum on shape %s; only numbers have them", typ)
	}
	if typ == "integer" {
		lo, hi := intRange(s.Format)
		for _, b := range []*float64{s.Min, s.Max} {
			if b != nil && (*b != math.Trunc(*b) || math.Abs(*b) > 1<<53) {
				return fmt.Sprintf("has a bound %v that is not a whole number an integer can hold exactly", *b)
			}
			if b != nil && (*b < lo || *b > hi) {
				return fmt.Sprintf("has a bound %v outside what format %q holds", *b, s.Format)
			}
		}
	}
	if typ != "string" && (s.MinLength != 0 || s.MaxLength != nil || s.Pattern != "") {
		return fmt.Sprintf("has minLength, maxLength or pattern on shape %s; only strings have them", typ)
	}
	if s.Pattern != "" {
		if _, err := regexp.Compile(s.Pattern); err != nil {
			return fmt.Sprintf("has a pattern Go's regexp cannot compile: %v", err)
		}
	}
	for _, e := range s.Enum {
		if _, ok := e.(string); !ok {
			return fmt.Sprintf("has an enum value %v that is not a string", e)
		}
	}
	return ""
}

func schemaType(s *openapi3.Schema) string {
	if s.Type == nil || len(*s.Type) != 1 {
		if s.Type != nil && len(*s.Type) > 1 {
			return strings.Join(*s.Type, "|")
		}
		if len(s.Properties) > 0 {
			return "object"
		}
		return ""
	}
	return (*s.Type)[0]
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// intRange is the range of an integer format's Go type (that of int for no format).
func intRange(format string) (lo, hi float64) {
	switch format {
	case "int8":
		return math.MinInt8, math.MaxInt8
	case "int16":
		return math.MinInt16, math.MaxInt16
	case "int32":
		return math.MinInt32, math.MaxInt32
	case "uint8":
		return 0, math.MaxUint8
	case "uint16":
		return 0, math.MaxUint16
	case "uint32":
		return 0, math.MaxUint32
	case "uint", "uint64":
		return 0, math.MaxUint64
	}
	return math.MinInt64, math.MaxInt64
}
