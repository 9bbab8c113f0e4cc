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
	"unicode/utf8"

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
	if t := reflect.TypeOf(p); t != reflect.PointerTo(op.ParamsType) {
		panic("rules: " + op.ID + " wants *" + op.ParamsType.String() + ", got " + t.String())
	}
	var vs []Violation
	var given givenSet
	s := reflect.ValueOf(p).Elem()
	for i := range op.Fields {
		f := &op.Fields[i]
		v, ok := f.Get(s)
		if !ok {
			continue
		}
		given.add(i)
		switch f.Kind {
		case reflect.Int64:
			if f.HasMin && v.Int() < f.Min {
				reason := "must be at least " + strconv.FormatInt(f.Min, 10)
				if f.Required && v.Int() == 0 {
					reason = "required (" + reason + ")"
				}
				vs = append(vs, Violation{Params: []string{f.Name}, Reason: reason})
			}
		case reflect.String:
			str := v.String()
			if f.MinLength > 0 && utf8.RuneCountInString(str) < f.MinLength {
				reason := "must not be empty"
				if f.MinLength > 1 {
					reason = "must be at least " + strconv.Itoa(f.MinLength) + " characters"
				}
				vs = append(vs, Violation{Params: []string{f.Name}, Reason: reason})
			}
			if f.Pattern != "" && !compiled(f.Pattern).MatchString(str) {
				vs = append(vs, Violation{Params: []string{f.Name}, Reason: "does not match " + f.Pattern})
			}
		}
	}
	isGiven := func(name string) bool {
		i, ok := op.Index(name)
		return ok && given.has(i)
	}
	pick := func(names []string) []string {
		var out []string
		for _, n := range names {
			if isGiven(n) {
				out = append(out, n)
			}
		}
		return out
	}
	anyGiven := func(names []string) bool {
		for _, n := range names {
			if isGiven(n) {
				return true
			}
		}
		return false
	}
	for _, r := range op.Rules {
		if name, value, ok := strings.Cut(r.Unless, "="); ok && isGiven(name) {
			if v, _ := op.Value(p, name); params.Format(v) == value {
				continue
			}
		}
		if len(r.AtMostOne) > 1 {
			if set := pick(r.AtMostOne); len(set) > 1 {
				vs = append(vs, Violation{Params: set, Reason: "alternatives: give at most one"})
			}
		}
		if len(r.RequireAny) == 0 || anyGiven(r.RequireAny) {
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
		} else if set := pick(r.IfAny); len(set) > 0 {
			vs = append(vs, Violation{
				Params: append(set, r.RequireAny...),
				Reason: strings.Join(set, ", ") + " need " + strings.Join(r.RequireAny, " or "),
			})
		}
	}
	return vs
}

// givenSet is a set of field indexes, without allocation for up to 128 parameters.
type givenSet struct{ bits [2]uint64 }

func (g *givenSet) add(i int) {
	if i < 128 {
		g.bits[i/64] |= 1 << (i % 64)
	}
}

func (g *givenSet) has(i int) bool { return i < 128 && g.bits[i/64]&(1<<(i%64)) != 0 }
