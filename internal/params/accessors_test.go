package params_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/testutil"
)

// Every parameter of every operation (from the generated table) has a getter Get<GoName> that
// returns the spec's default (else the zero value) for a nil Params or an unset field, and the
// value once set.
func TestEveryParameterHasANilSafeGetter(t *testing.T) {
	for _, op := range params.All() {
		p := op.New()
		typ := reflect.TypeOf(p)
		nilP := reflect.Zero(typ)
		for _, f := range op.Fields {
			m, ok := typ.MethodByName("Get" + f.GoName)
			if !ok {
				t.Errorf("%s: no getter Get%s for %s", typ, f.GoName, f.Name)
				continue
			}
			unset := func(got reflect.Value) bool { // the spec's default, else the zero value
				if f.Default != "" {
					return fmt.Sprint(got.Interface()) == f.Default
				}
				return got.IsZero()
			}
			if got := m.Func.Call([]reflect.Value{nilP})[0]; !unset(got) {
				t.Errorf("%s: (nil).Get%s() = %v, want the default %q or the zero value", typ, f.GoName, got, f.Default)
			}
			if got := m.Func.Call([]reflect.Value{reflect.ValueOf(p)})[0]; !f.Required && !unset(got) {
				t.Errorf("%s: Get%s() of zero params = %v, want the default %q or the zero value", typ, f.GoName, got, f.Default)
			}
			v := testutil.SampleValue(&f)
			if err := p.SetParam(f.Name, v); err != nil {
				t.Fatal(err)
			}
			got := m.Func.Call([]reflect.Value{reflect.ValueOf(p)})[0]
			if text, _ := p.ParamText(f.Name); fmt.Sprint(got.Interface()) != text {
				t.Errorf("%s: Get%s() = %v after SetParam(%q); ParamText says %q", typ, f.GoName, got, v, text)
			}
		}
	}
}
