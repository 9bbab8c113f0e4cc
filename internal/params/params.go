// Package params reads and writes an operation's parameters by their API names, driven by the
// operation table that go generate derives from openapi.yaml (generated.Operations) and the
// typed methods it generates for every Params struct (generated.OperationParams), so that an
// operation or parameter added to the spec is handled here with no code change and no
// reflection.
package params

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/voxsip/voxsip/generated"
)

// Mask replaces a secret parameter's value wherever one is shown.
const Mask = generated.SecretMask

// Field is one parameter of an operation.
type Field struct {
	generated.ParamInfo
	// Index is the parameter's position in its Op's Fields.
	Index int
}

// Op is one operation with its parameters indexed by API name. It is immutable and safe for
// concurrent use.
type Op struct {
	*generated.OperationInfo
	// Fields lists the parameters in the spec's order.
	Fields []Field
	// NameOrder lists the positions in Fields sorted by API name: an order that does not change
	// when the spec reorders its parameters.
	NameOrder []int
	byName    map[string]int
}

var (
	ops  []*Op
	byID = map[string]*Op{}
)

func init() {
	for i := range generated.Operations {
		info := &generated.Operations[i]
		op := &Op{OperationInfo: info, byName: make(map[string]int, len(info.Params))}
		for j, pi := range info.Params {
			op.byName[pi.Name] = j
			op.Fields = append(op.Fields, Field{ParamInfo: pi, Index: j})
			op.NameOrder = append(op.NameOrder, j)
		}
		slices.SortFunc(op.NameOrder, func(a, b int) int { return strings.Compare(op.Fields[a].Name, op.Fields[b].Name) })
		ops = append(ops, op)
		byID[op.ID] = op
	}
}

// All returns every operation of the spec, sorted by operationId.
func All() []*Op { return ops }

// ByID returns the operation with the operationId (the API method), e.g. "UpdateSipRegistration".
func ByID(id string) (*Op, bool) {
	op, ok := byID[id]
	return op, ok
}

// For returns the operation whose Params struct is T: params.For[api.UpdateSIPRegistrationParams]().
func For[T any, PT interface {
	*T
	generated.OperationParams
}]() *Op {
	return byID[PT(new(T)).OperationID()]
}

// Lookup returns the parameter with the API name, if the operation has it.
func (op *Op) Lookup(name string) (Field, bool) {
	i, ok := op.byName[name]
	if !ok {
		return Field{}, false
	}
	return op.Fields[i], true
}

// Index returns the position in Fields of the parameter with the API name.
func (op *Op) Index(name string) (int, bool) {
	i, ok := op.byName[name]
	return i, ok
}

// New returns a pointer to a new, zero Params struct of the operation (nil when it has none).
func (op *Op) New() generated.OperationParams {
	if op.OperationInfo.New == nil {
		return nil
	}
	return op.OperationInfo.New()
}

// Of returns p as the operation's parameters, or an error when p is not a pointer to its Params
// struct.
func (op *Op) Of(p any) (generated.OperationParams, error) {
	gp, ok := p.(generated.OperationParams)
	if !ok || gp.OperationID() != op.ID {
		return nil, fmt.Errorf("params: %s wants a pointer to its Params struct, got %T", op.ID, p)
	}
	return gp, nil
}

// Text returns the named parameter's value in p as it goes on the wire, and whether p gives it.
func (op *Op) Text(p any, name string) (string, bool) {
	gp, err := op.Of(p)
	if err != nil {
		return "", false
	}
	return gp.ParamText(name)
}

// Each calls fn for every parameter p sets (the required ones always), in the spec's order,
// with its value as it goes on the wire.
func (op *Op) Each(p any, fn func(f *Field, value string)) {
	gp, err := op.Of(p)
	if err != nil {
		return
	}
	gp.EachParam(func(name, text string) {
		if i, ok := op.byName[name]; ok {
			fn(&op.Fields[i], text)
		}
	})
}

// EachMasked is Each with the values of secret parameters replaced by Mask: for anything shown
// to a person.
func (op *Op) EachMasked(p any, fn func(f *Field, value string)) {
	op.Each(p, func(f *Field, value string) {
		if f.Secret {
			value = Mask
		}
		fn(f, value)
	})
}

// Set parses text for the named parameter and stores it in p (a pointer to the Params struct).
func (op *Op) Set(p any, name, text string) error {
	gp, err := op.Of(p)
	if err != nil {
		return err
	}
	return gp.SetParam(name, text)
}

// FromValues decodes parameters given by name (a query string or a form) into a new Params
// struct; unknown names and repeated values are errors.
func (op *Op) FromValues(vals url.Values) (generated.OperationParams, error) {
	p := op.New()
	if p == nil {
		if len(vals) > 0 {
			return nil, fmt.Errorf("%s takes no parameters", op.ID)
		}
		return nil, nil
	}
	for name, values := range vals {
		if len(values) > 1 {
			return nil, fmt.Errorf("parameter %q given %d times", name, len(values))
		}
		if len(values) == 0 {
			continue
		}
		if err := p.SetParam(name, values[0]); err != nil {
			return nil, err
		}
	}
	return p, nil
}
