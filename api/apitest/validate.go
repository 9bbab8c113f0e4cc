package apitest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/rules"
)

// validate checks the call against the spec (kin-openapi), then what the validator lets
// through (unknown and repeated parameters), decodes the parameters and checks the operation's
// rules.
func (s *Server) validate(c *call) *failure {
	if err := openapi3filter.ValidateRequest(c.r.Context(), c.input); err != nil {
		return invalidArgs(err.Error())
	}
	names := make([]string, 0, len(c.vals))
	for name := range c.vals {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := c.op.Lookup(name); !ok {
			return invalidArgs(fmt.Sprintf("unknown parameter %q", name))
		}
		if n := len(c.vals[name]); n > 1 {
			return invalidArgs(fmt.Sprintf("parameter %q given %d times", name, n))
		}
	}
	params, err := c.op.FromValues(c.first)
	if err != nil { // the validator let through something the generated types cannot hold
		return invalidArgs(err.Error())
	}
	if vs := rules.Check(c.op, params); vs != nil {
		msg := make([]string, len(vs))
		for i, v := range vs {
			msg[i] = v.String()
		}
		return invalidArgs(strings.Join(msg, "; "))
	}
	c.params = params
	return nil
}

func invalidArgs(why string) *failure {
	return apiFailure(generated.ErrorCodeInvalidArguments, "Invalid arguments: "+why)
}
