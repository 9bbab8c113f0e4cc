package testutil

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
)

// SampleValue returns a value for f, as text, that fits its schema (type, minimum, minLength,
// pattern, enum): what tests send when they need "some valid value" of a parameter read from the
// spec.
func SampleValue(f *params.Field) string {
	switch f.Type {
	case "integer":
		n := int64(7)
		if f.HasMin && n < f.Min {
			n = f.Min
		}
		return strconv.FormatInt(n, 10)
	case "number":
		return "7.5"
	case "boolean":
		if f.Default == "true" {
			return "false" // the value that differs from the default
		}
		return "true"
	}
	if len(f.Enum) > 0 {
		return f.Enum[len(f.Enum)-1]
	}
	if f.Pattern == "" {
		return "value of " + f.Name + strings.Repeat("x", f.MinLength)
	}
	re := regexp.MustCompile(f.Pattern)
	for _, v := range []string{"7", "1;2", "any", "200", "200;400:499", "a"} {
		if re.MatchString(v) {
			return v
		}
	}
	panic("testutil: no sample value fits the pattern " + f.Pattern + " of " + f.Name)
}

// ValidParams returns a pointer to a new Params struct of op that passes the operation's rules
// with as few parameters as possible: the required ones, and the first of RequireAny of each
// rule that applies without a condition.
func ValidParams(op *params.Op) generated.OperationParams {
	p := op.New()
	for i := range op.Fields {
		if f := &op.Fields[i]; f.Required {
			if err := op.Set(p, f.Name, SampleValue(f)); err != nil {
				panic(err)
			}
		}
	}
	for _, r := range op.Rules { // unconditional ones, and those a value could lift
		if len(r.IfAny) == 0 && len(r.RequireAny) > 0 {
			f, _ := op.Lookup(r.RequireAny[0])
			if err := op.Set(p, f.Name, SampleValue(&f)); err != nil {
				panic(err)
			}
		}
	}
	return p
}

// Needs returns what op's rules require alongside the named parameter (for example an
// application for user_id): the first of RequireAny of each rule whose IfAny lists it.
func Needs(op *params.Op, name string) []string {
	var out []string
	for _, r := range op.Rules {
		for _, n := range r.IfAny {
			if n == name {
				out = append(out, r.RequireAny[0])
			}
		}
	}
	return out
}
