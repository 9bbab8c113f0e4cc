package main

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The parts of an OpenAPI 3.0 document the generator reads.
type document struct {
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		Schemas map[string]*schema `yaml:"schemas"`
	} `yaml:"components"`
}

type operation struct {
	OperationID string `yaml:"operationId"`
	Responses   map[string]struct {
		Ref     string `yaml:"$ref"`
		Content map[string]struct {
			Schema *schema `yaml:"schema"`
		} `yaml:"content"`
	} `yaml:"responses"`
}

type schema struct {
	Ref                  string             `yaml:"$ref"`
	Type                 string             `yaml:"type"`
	Format               string             `yaml:"format"`
	Items                *schema            `yaml:"items"`
	Properties           map[string]*schema `yaml:"properties"`
	Required             []string           `yaml:"required"`
	OneOf                []*schema          `yaml:"oneOf"`
	AnyOf                []*schema          `yaml:"anyOf"`
	AllOf                []*schema          `yaml:"allOf"`
	AdditionalProperties any                `yaml:"additionalProperties"`
	Nullable             bool               `yaml:"nullable"`
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// oneOfPair is a response body that is either Success or Alt (the error envelope).
type oneOfPair struct{ Success, Alt string }

// model is a component schema that some response body holds, with its properties' order.
type model struct {
	Name   string
	Schema *schema
}

// responses returns the oneOf pairs of the operations' JSON success responses (the member shared by
// every pair is the error envelope) and every component schema they reach, sorted by name.
func responses(doc *document) ([]oneOfPair, []model, error) {
	var pairs [][]string
	var where []string
	for _, path := range sortedKeys(doc.Paths) {
		for _, m := range methods {
			node, ok := doc.Paths[path][m]
			if !ok {
				continue
			}
			var op operation
			if err := node.Decode(&op); err != nil {
				return nil, nil, fmt.Errorf("%s %s: %w", m, path, err)
			}
			for _, code := range sortedKeys(op.Responses) {
				if !strings.HasPrefix(code, "2") {
					continue
				}
				r := op.Responses[code]
				if r.Ref != "" {
					return nil, nil, fmt.Errorf("operation %s, response %s: a $ref'd response is not supported", op.OperationID, code)
				}
				c, ok := r.Content["application/json"]
				if !ok || c.Schema == nil {
					continue
				}
				var refs []string
				for _, s := range c.Schema.OneOf {
					if s.Ref == "" {
						return nil, nil, fmt.Errorf("operation %s, response %s: oneOf member without $ref is not supported", op.OperationID, code)
					}
					refs = append(refs, refName(s.Ref))
				}
				if len(refs) != 2 {
					return nil, nil, fmt.Errorf("operation %s, response %s: want a oneOf of a success schema and the error envelope ($refs), got %d members", op.OperationID, code, len(refs))
				}
				pairs = append(pairs, refs)
				where = append(where, op.OperationID)
			}
		}
	}
	if len(pairs) == 0 {
		return nil, nil, fmt.Errorf("no operation has a oneOf JSON response")
	}
	var shared []string
	for _, cand := range pairs[0] {
		if all(pairs, func(p []string) bool { return slices.Contains(p, cand) }) && !slices.Contains(shared, cand) {
			shared = append(shared, cand)
		}
	}
	if len(shared) != 1 {
		return nil, nil, fmt.Errorf("the oneOf responses share %d members (%s): cannot tell the error envelope, the one member every response shares",
			len(shared), strings.Join(shared, ", "))
	}
	alt := shared[0]
	seen := map[string]string{}
	var out []oneOfPair
	for i, p := range pairs {
		succ := p[0]
		if succ == alt {
			succ = p[1]
		}
		if prev, ok := seen[succ]; ok && prev != alt {
			return nil, nil, fmt.Errorf("operation %s: schema %s pairs with two envelopes", where[i], succ)
		} else if !ok {
			seen[succ] = alt
			out = append(out, oneOfPair{Success: succ, Alt: alt})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Success < out[j].Success })
	models, err := reach(doc, append(slices.Collect(maps.Keys(seen)), alt))
	return out, models, err
}

// reach returns the named schemas and every component schema their properties refer to.
func reach(doc *document, roots []string) ([]model, error) {
	found := map[string]*schema{}
	var visit func(name string) error
	visit = func(name string) error {
		if _, ok := found[name]; ok {
			return nil
		}
		s, ok := doc.Components.Schemas[name]
		if !ok {
			return fmt.Errorf("schema %s: not in components.schemas", name)
		}
		found[name] = s
		for _, p := range sortedKeys(s.Properties) {
			for ps := s.Properties[p]; ps != nil; ps = ps.Items {
				if ps.Ref != "" {
					if err := visit(refName(ps.Ref)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	for _, r := range roots {
		if err := visit(r); err != nil {
			return nil, err
		}
	}
	var out []model
	for _, n := range sortedKeys(found) {
		out = append(out, model{Name: n, Schema: found[n]})
	}
	return out, nil
}

// checkShape fails for a property shape the decoders do not handle, naming schema and field.
func checkShape(name, prop string, s *schema) error {
	bad := func(what string) error {
		return fmt.Errorf("schema %s, field %s: %s is not supported by the generated decoders", name, prop, what)
	}
	switch {
	case s == nil:
		return bad("an empty schema")
	case s.Ref != "":
		return nil
	case len(s.OneOf) > 0 || len(s.AnyOf) > 0 || len(s.AllOf) > 0:
		return bad("oneOf/anyOf/allOf")
	case s.AdditionalProperties != nil:
		return bad("additionalProperties (a map)")
	case s.Type == "object":
		return bad("an inline object (give it a component schema and a $ref)")
	case s.Type == "array":
		return checkShape(name, prop+"[]", s.Items)
	case s.Type == "string" && (s.Format == "date" || s.Format == "date-time" || s.Format == "byte" || s.Format == "binary" || s.Format == "uuid"):
		return bad("string format " + s.Format)
	case s.Type == "integer", s.Type == "number", s.Type == "string", s.Type == "boolean":
		return nil
	}
	return bad(fmt.Sprintf("type %q", s.Type))
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Collect(maps.Keys(m))
	sort.Strings(keys)
	return keys
}

func all[T any](xs []T, f func(T) bool) bool {
	for _, x := range xs {
		if !f(x) {
			return false
		}
	}
	return true
}
