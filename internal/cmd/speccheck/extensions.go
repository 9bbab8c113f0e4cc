package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// checkRules checks an operation's x-voxsip-rules: known keys, lists of the operation's
// parameters, and unless as name=value.
func checkRules(where string, ext any, names map[string]bool) []string {
	if ext == nil {
		return nil
	}
	rules, ok := ext.([]any)
	if !ok {
		return []string{where + ": x-voxsip-rules must be a list"}
	}
	var out []string
	for i, r := range rules {
		rule, ok := r.(map[string]any)
		if !ok {
			out = append(out, fmt.Sprintf("%s: x-voxsip-rules[%d] must be a mapping", where, i))
			continue
		}
		for _, key := range slices.Sorted(mapKeys(rule)) {
			at := fmt.Sprintf("%s: x-voxsip-rules[%d].%s", where, i, key)
			switch key {
			case "at-most-one", "if-any", "require-any":
				list, ok := rule[key].([]any)
				if !ok || len(list) == 0 {
					out = append(out, at+" must be a non-empty list of parameter names")
					continue
				}
				for _, n := range list {
					if s, ok := n.(string); !ok || !names[s] {
						out = append(out, fmt.Sprintf("%s names %v, which is not a parameter of the operation", at, n))
					}
				}
			case "unless":
				s, _ := rule[key].(string)
				name, _, found := strings.Cut(s, "=")
				if !found || !names[name] {
					out = append(out, fmt.Sprintf("%s must be name=value with a parameter of the operation, not %v", at, rule[key]))
				}
			default:
				out = append(out, at+" is not a rule (at-most-one, if-any, require-any, unless)")
			}
		}
		if _, ok := rule["if-any"]; ok {
			if _, ok := rule["require-any"]; !ok {
				out = append(out, fmt.Sprintf("%s: x-voxsip-rules[%d] has if-any without require-any", where, i))
			}
		}
	}
	return out
}

// checkCodeEnum checks a schema that carries x-voxsip-code-text (the error codes): an integer
// enum with as many names (x-enum-varnames, each once) and texts as values, and x-voxsip-temporary and
// x-voxsip-outcome-unknown disjoint subsets of it.
func checkCodeEnum(name string, s *openapi3.Schema) []string {
	if _, ok := s.Extensions["x-voxsip-code-text"]; !ok {
		return nil
	}
	where := "schema " + name
	var out []string
	if schemaType(s) != "integer" || len(s.Enum) == 0 {
		out = append(out, where+": x-voxsip-code-text needs an integer enum")
	}
	for _, ext := range []string{"x-voxsip-code-text", "x-enum-varnames"} {
		if list, ok := s.Extensions[ext].([]any); !ok || len(list) != len(s.Enum) {
			out = append(out, fmt.Sprintf("%s: %s must list one entry per enum value (%d)", where, ext, len(s.Enum)))
		}
	}
	if names, ok := s.Extensions["x-enum-varnames"].([]any); ok {
		seen := map[any]bool{}
		for _, n := range names {
			if seen[n] {
				out = append(out, fmt.Sprintf("%s: x-enum-varnames names %v twice; each code needs its own name", where, n))
			}
			seen[n] = true
		}
	}
	temporary, _ := s.Extensions["x-voxsip-temporary"].([]any)
	unknown, _ := s.Extensions["x-voxsip-outcome-unknown"].([]any)
	for _, c := range temporary {
		if slices.Contains(unknown, c) {
			out = append(out, fmt.Sprintf("%s: code %v is in both x-voxsip-temporary (the API asks to try again: nothing was done) "+
				"and x-voxsip-outcome-unknown (it may have been done); a code can only be one", where, c))
		}
	}
	for _, ext := range []string{"x-voxsip-temporary", "x-voxsip-outcome-unknown"} {
		v, ok := s.Extensions[ext]
		if !ok {
			continue
		}
		list, isList := v.([]any)
		if !isList {
			out = append(out, fmt.Sprintf("%s: %s must be a list of codes of the enum", where, ext))
		}
		for _, c := range list {
			if !slices.Contains(s.Enum, c) {
				out = append(out, fmt.Sprintf("%s: %s lists %v, which is not in the enum", where, ext, c))
			}
		}
	}
	return out
}
