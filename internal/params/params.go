// Package params reads and writes an operation's parameters by their API names, driven by the
// operation table that go generate derives from openapi.yaml (generated.Operations), so that an
// operation or parameter added to the spec is handled here with no code change.
package params

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strconv"

	"github.com/voxsip/voxsip/generated"
)

// Mask replaces a secret parameter's value wherever one is shown.
const Mask = generated.SecretMask

// Field is one parameter of an operation's generated Params struct.
type Field struct {
	generated.ParamInfo
	// Index is the field's index in the Params struct.
	Index int
	// Kind is the Go kind of the value: reflect.Int64, reflect.String or reflect.Bool.
	Kind reflect.Kind
}

// Op is one operation with its parameters resolved against the generated Params struct. It is
// immutable and safe for concurrent use.
type Op struct {
	*generated.OperationInfo
	// Fields lists the parameters in the spec's order.
	Fields []Field
	byName map[string]int
}

var (
	ops    []*Op
	byID   = map[string]*Op{}
	byType = map[reflect.Type]*Op{}
)

func init() {
	for i := range generated.Operations {
		op := newOp(&generated.Operations[i])
		ops = append(ops, op)
		byID[op.ID] = op
		if op.ParamsType != nil {
			byType[op.ParamsType] = op
		}
	}
}

func newOp(info *generated.OperationInfo) *Op {
	op := &Op{OperationInfo: info, byName: map[string]int{}}
	if info.ParamsType == nil {
		return op
	}
	for _, pi := range info.Params {
		sf, ok := info.ParamsType.FieldByName(pi.GoName)
		if !ok {
			panic(fmt.Sprintf("params: %s has no field %s for parameter %s", info.ParamsType, pi.GoName, pi.Name))
		}
		t := sf.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Int64, reflect.String, reflect.Bool:
		default:
			panic(fmt.Sprintf("params: parameter %s of %s has unsupported type %s", pi.Name, info.ID, sf.Type))
		}
		op.byName[pi.Name] = len(op.Fields)
		op.Fields = append(op.Fields, Field{ParamInfo: pi, Index: sf.Index[0], Kind: t.Kind()})
	}
	return op
}

// All returns every operation of the spec, sorted by operationId.
func All() []*Op { return ops }

// ByID returns the operation with the operationId (the API method), e.g. "UpdateSipRegistration".
func ByID(id string) (*Op, bool) {
	op, ok := byID[id]
	return op, ok
}

// For returns the operation whose Params struct is T; it panics if there is none.
func For[T any]() *Op {
	op, ok := byType[reflect.TypeFor[T]()]
	if !ok {
		panic(fmt.Sprintf("params: no operation has parameters of type %s", reflect.TypeFor[T]()))
	}
	return op
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

// New returns a pointer to a new, zero Params struct of the operation.
func (op *Op) New() any { return reflect.New(op.ParamsType).Interface() }

// structOf returns the Params struct p points to.
func (op *Op) structOf(p any) reflect.Value {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.Elem().Type() != op.ParamsType {
		panic(fmt.Sprintf("params: %s wants *%s, got %T", op.ID, op.ParamsType, p))
	}
	return v.Elem()
}

// Value returns the value of the named parameter in p (a pointer to the operation's Params) and
// whether it is given: a required parameter always is, an optional one when its pointer is set.
func (op *Op) Value(p any, name string) (reflect.Value, bool) {
	f, ok := op.Lookup(name)
	if !ok {
		return reflect.Value{}, false
	}
	return f.value(op.structOf(p))
}

// Get returns the field's value in s (the Params struct itself, not a pointer) and whether it is
// given.
func (f *Field) Get(s reflect.Value) (reflect.Value, bool) { return f.value(s) }

func (f *Field) value(s reflect.Value) (reflect.Value, bool) {
	v := s.Field(f.Index)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	return v, true
}

// Format returns v (a parameter's value) as it goes on the wire.
func Format(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	}
	return v.String()
}

// Each calls fn for every parameter p sets (the required ones always), in the spec's order,
// with its value as it goes on the wire.
func (op *Op) Each(p any, fn func(f *Field, value string)) {
	s := op.structOf(p)
	for i := range op.Fields {
		f := &op.Fields[i]
		if v, ok := f.value(s); ok {
			fn(f, Format(v))
		}
	}
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

// Parse converts text to the parameter's Go value.
func (f *Field) Parse(text string) (reflect.Value, error) {
	switch f.Kind {
	case reflect.Int64:
		n, err := strconv.ParseInt(text, 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			return reflect.Value{}, fmt.Errorf("parameter %s: %q is out of range (a 64-bit integer: at most %d)", f.Name, text, int64(math.MaxInt64))
		}
		if err != nil {
			return reflect.Value{}, fmt.Errorf("parameter %s: %q is not an integer", f.Name, text)
		}
		return reflect.ValueOf(n), nil
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil || (text != "true" && text != "false") {
			return reflect.Value{}, fmt.Errorf("parameter %s: %q is not true or false", f.Name, text)
		}
		return reflect.ValueOf(b), nil
	}
	return reflect.ValueOf(text), nil
}

// Set parses text for the named parameter and stores it in p (a pointer to the Params struct).
func (op *Op) Set(p any, name, text string) error {
	f, ok := op.Lookup(name)
	if !ok {
		return fmt.Errorf("%s has no parameter %q", op.ID, name)
	}
	rv, err := f.Parse(text)
	if err != nil {
		return err
	}
	fv := op.structOf(p).Field(f.Index)
	if fv.Kind() != reflect.Pointer {
		fv.Set(rv)
		return nil
	}
	ptr := reflect.New(rv.Type())
	ptr.Elem().Set(rv)
	fv.Set(ptr)
	return nil
}

// FromValues decodes parameters given by name (a query string or a form) into a new Params
// struct; unknown names and repeated values are errors.
func (op *Op) FromValues(vals url.Values) (any, error) {
	p := op.New()
	for name, values := range vals {
		if len(values) > 1 {
			return nil, fmt.Errorf("parameter %q given %d times", name, len(values))
		}
		if len(values) == 0 {
			continue
		}
		if err := op.Set(p, name, values[0]); err != nil {
			return nil, err
		}
	}
	return p, nil
}
