// Package rules checks an operation's parameters against what openapi.yaml says of them: each
// generated Params struct's Validate (required, minimum, maximum, minLength, maxLength, pattern,
// enum and the x-voxsip-rules), which go generate writes as plain Go. The client runs it before
// any I/O; the fake server answers a broken rule as the API does.
package rules

import (
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
)

// Violation is one broken rule: the parameters involved, by their API names, and what is wrong.
// Its String is "params: reason".
type Violation = generated.Violation

// Check returns the rules p (a pointer to op's Params struct, or nil) breaks, in a stable order,
// or nil. A parameter counts as given when its pointer is set, even to an empty string.
func Check(op *params.Op, p any) []Violation {
	if p == nil {
		p = op.New() // no parameters: check what the zero value lacks
		if p == nil {
			return nil
		}
	}
	gp, err := op.Of(p)
	if err != nil {
		return []Violation{{Reason: err.Error()}}
	}
	return gp.Validate()
}
