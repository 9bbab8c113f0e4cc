// Package rules checks an operation's parameters against what openapi.yaml says of them (required,
// minimum, minLength, pattern) and against its x-voxsip-rules, all read from the generated
// operation table. The client runs it before any I/O; the fake server answers a broken rule as
// the API does.
package rules

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/voxsip/voxsip/internal/params"
)

// Violation is one broken rule: the parameters involved, by their API names, and what is wrong.
type Violation struct {
	Params []string
	Reason string
}

// String is "params: reason".
func (v Violation) String() string { return strings.Join(v.Params, ", ") + ": " + v.Reason }

var patterns sync.Map // pattern string -> *regexp.Regexp

func compiled(pattern string) *regexp.Regexp {
	if re, ok := patterns.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(pattern)
	patterns.Store(pattern, re)
	return re
}

// Check returns the rules p (a pointer to op's Params struct, or nil) breaks, in a stable order,
// or nil. A parameter counts as given when its pointer is set, even to an empty string.
func Check(op *params.Op, p any) []Violation {
	if p == nil || reflect.ValueOf(p).IsNil() {
		p = op.New() // no parameters: check what the zero value lacks
	}
	var vs []Violation
	given := map[string]bool{}
	values := map[string]string{}
	for i := range op.Fields {
		f := &op.Fields[i]
		v, ok := op.Value(p, f.Name)
		if !ok {
			continue
		}
		given[f.Name] = true
		values[f.Name] = params.Format(v)
		switch f.Kind {
		case reflect.Int64:
			if f.HasMin && v.Int() < f.Min {
				reason := "must be at least " + itoa(f.Min)
				if f.Required && v.Int() == 0 {
					reason = "required (" + reason + ")"
				}
				vs = append(vs, Violation{Params: []string{f.Name}, Reason: reason})
			}
		case reflect.String:
			s := v.String()
			if f.MinLength > 0 && len([]rune(s)) < f.MinLength {
				reason := "must not be empty"
				if f.MinLength > 1 {
					reason = "must be at least " + itoa(int64(f.MinLength)) + " characters"
				}
				vs = append(vs, Violation{Params: []string{f.Name}, Reason: reason})
			}
			if f.Pattern != "" && !compiled(f.Pattern).MatchString(s) {
				vs = append(vs, Violation{Params: []string{f.Name}, Reason: "does not match " + f.Pattern})
			}
		}
	}
	for _, r := range op.Rules {
		if name, value, ok := strings.Cut(r.Unless, "="); ok && given[name] && values[name] == value {
			continue
		}
		if len(r.AtMostOne) > 0 {
			if set := pick(r.AtMostOne, given); len(set) > 1 {
				vs = append(vs, Violation{Params: set, Reason: "alternatives: give at most one"})
			}
		}
		if len(r.RequireAny) == 0 || len(pick(r.RequireAny, given)) > 0 {
			continue
		}
		if len(r.IfAny) == 0 {
			reason := "required"
			if len(r.RequireAny) > 1 {
				reason = "give one of them"
			}
			if name, value, ok := strings.Cut(r.Unless, "="); ok {
				reason += " unless " + name + " is " + value
			}
			vs = append(vs, Violation{Params: r.RequireAny, Reason: reason})
		} else if set := pick(r.IfAny, given); len(set) > 0 {
			vs = append(vs, Violation{
				Params: append(set, r.RequireAny...),
				Reason: strings.Join(set, ", ") + " need " + strings.Join(r.RequireAny, " or "),
			})
		}
	}
	return vs
}

// pick returns the names that are given, in order.
func pick(names []string, given map[string]bool) []string {
	var out []string
	for _, n := range names {
		if given[n] {
			out = append(out, n)
		}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
