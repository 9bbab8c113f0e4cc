package params_test

import (
	"encoding/json"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/internal/params/internal/shapes"
)

// The fixture of every parameter shape (internal/shapes, generated from shapes.yaml by the same
// templates as package generated).
var shapesOp = &shapes.Operations[0]

// shapesQuery builds p's request with the generated builder and returns its query.
func shapesQuery(t *testing.T, p *shapes.ShapesParams) string {
	t.Helper()
	req, err := shapes.NewShapesRequest("https://api.example/platform_api/", p)
	if err != nil {
		t.Fatal(err)
	}
	return req.URL.RawQuery
}

// shapesStyled is the query the stock builder would make (see runtimeStyled).
func shapesStyled(t *testing.T, p *shapes.ShapesParams) string {
	t.Helper()
	fields := make([]styleField, len(shapesOp.Params))
	for i, f := range shapesOp.Params {
		fields[i] = styleField{f.Name, f.GoName, f.Type, f.Format}
	}
	return runtimeStyled(t, p, fields)
}

// setAll fills every parameter of the fixture from n, x, s and b, each as its shape allows.
func setAll(t *testing.T, n int64, x float64, s string, b bool) *shapes.ShapesParams {
	t.Helper()
	p := &shapes.ShapesParams{}
	for i, f := range shapesOp.Params {
		var v string
		switch {
		case f.Format == "int16":
			v = strconv.FormatInt(int64(int16(n)), 10)
		case f.Format == "int32":
			v = strconv.FormatInt(int64(int32(n)), 10)
		case f.Format == "uint8":
			v = strconv.FormatUint(uint64(uint8(n))%201, 10)
		case f.Format == "uint64":
			v = strconv.FormatUint(uint64(n)*2+1, 10)
		case f.Type == "integer":
			v = strconv.FormatInt(n+int64(i), 10)
		case f.Type == "number" && f.Format == "double":
			v = strconv.FormatFloat(x, 'f', -1, 64)
		case f.Type == "number":
			v = strconv.FormatFloat(float64(float32(x)), 'f', -1, 32)
		case f.Type == "boolean":
			v = strconv.FormatBool(b)
		case len(f.Enum) > 0:
			v = f.Enum[i%len(f.Enum)]
		default:
			v = s
		}
		if err := p.SetParam(f.Name, v); err != nil {
			t.Fatalf("SetParam(%s, %q): %v", f.Name, v, err)
		}
		if got, ok := p.ParamText(f.Name); !ok || got != v {
			t.Errorf("%s: ParamText = %q, %v after SetParam(%q)", f.Name, got, ok, v)
		}
	}
	return p
}

// FuzzShapesBuilderMatchesRuntimeStyling holds the generated builder to the runtime's styling,
// byte for byte, for every parameter shape, and the query to SetParam: decoded back, it gives the
// same parameters.
func FuzzShapesBuilderMatchesRuntimeStyling(f *testing.F) {
	f.Add(int64(5), 2.5, "a b&c=d+e%f/?#ü;", true)
	f.Add(int64(-1), -0.1, "日本", false)
	f.Add(int64(math.MaxInt32)+1, 1e-7, "\x00\xff", true)
	f.Add(int64(math.MinInt64), 123456789.125, "", false)
	f.Fuzz(func(t *testing.T, n int64, x float64, s string, b bool) {
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsInf(float64(float32(x)), 0) {
			t.Skip("not a finite number for both widths")
		}
		if n == math.MaxInt64 || n > math.MaxInt64-int64(len(shapesOp.Params)) {
			n = 7
		}
		p := setAll(t, n, x, s, b)
		got, want := shapesQuery(t, p), shapesStyled(t, p)
		if got != want {
			t.Fatalf("builder query %q\nruntime styling %q", got, want)
		}
		vals, err := url.ParseQuery(got)
		if err != nil {
			t.Fatal(err)
		}
		back := &shapes.ShapesParams{}
		for name, vs := range vals {
			if err := back.SetParam(name, vs[0]); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(back, p) && strings.ToValidUTF8(s, "") == s {
			t.Errorf("decoded %+v, want %+v", back, p)
		}
	})
}

// Validate applies each limit of shapes.yaml, in the spec's order, then the rules.
func TestShapesValidate(t *testing.T) {
	valid := func() *shapes.ShapesParams {
		p := &shapes.ShapesParams{RequiredName: "n"}
		for name, v := range map[string]string{"int64": "1", "double": "0.5", "text": "x", "codec": "G722", "ids": "1;2", "plain_int": "2"} {
			if err := p.SetParam(name, v); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	if vs := valid().Validate(); vs != nil {
		t.Fatalf("valid parameters break %v", vs)
	}
	for _, tc := range []struct {
		name, value string
		want        string
	}{
		{"plain_int", "1", "plain_int: must be at least 2"},
		{"plain_int", "1001", "plain_int: must be at most 1000"},
		{"uint8", "201", "uint8: must be at most 200"},
		{"int64", "0", "int64: must be at least 1"},
		{"double", "0.25", "double: must be at least 0.5"},
		{"text", "", "text: must not be empty"},
		{"text", "ninechars", "text: must be at most 8 characters"},
		{"codec", "OPUS", "codec: must be one of [PCMU PCMA G722]"},
		{"ids", "1;x", "ids: does not match ^[0-9]+(;[0-9]+)*$"},
		{"int32", "3", "plain_int, int32: alternatives: give at most one"},
	} {
		p := valid()
		if err := p.SetParam(tc.name, tc.value); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range p.Validate() {
			got = append(got, v.String())
		}
		if !slices.Equal(got, []string{tc.want}) {
			t.Errorf("%s=%q: %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
	p := valid()
	p.Int64 = nil
	if got := p.Validate(); len(got) != 1 || got[0].String() != "int64: required unless flag is false" {
		t.Errorf("no int64: %v", got)
	}
	p.SetParam("flag", "false")
	if got := p.Validate(); got != nil {
		t.Errorf("no int64 with flag=false: %v", got)
	}
}

// SetParam refuses text its shape cannot hold, naming the parameter.
func TestShapesSetParamRefuses(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"int32", "2147483648", "out of range (a 32-bit integer"},
		{"int16", "-32769", "out of range (a 16-bit integer"},
		{"uint8", "256", "out of range (a 8-bit unsigned integer: at most 255)"},
		{"uint64", "18446744073709551616", "out of range (a 64-bit unsigned integer: at most 18446744073709551615)"},
		{"uint64", "-1", "not an unsigned integer"},
		{"int64", "1.5", "not an integer"},
		{"plain_int", "", "not an integer"},
		{"number", "NaN", "not a finite number"},
		{"number", "1e39", "not a finite number"},
		{"double", "Inf", "not a finite number"},
		{"flag", "yes", "not true or false"},
		{"nope", "1", `Shapes has no parameter "nope"`},
	} {
		err := (&shapes.ShapesParams{}).SetParam(tc.name, tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.name != "nope" && !strings.Contains(err.Error(), "parameter "+tc.name)) {
			t.Errorf("SetParam(%s, %q) = %v, want %q", tc.name, tc.value, err, tc.want)
		}
	}
}

// Every secret is masked and listed wherever it stands; the CLI's password is the one named
// password, not the first secret.
func TestShapesSecrets(t *testing.T) {
	p := setAll(t, 3, 1.5, "plain", true)
	p.SetParam("token", "tok-secret")
	p.SetParam("password", "pw-secret")
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), "secret") || strings.Count(string(js), `"***"`) != 2 {
		t.Errorf("MarshalJSON: %s", js)
	}
	if sv := p.SecretValues(); !slices.Equal(sv, []string{"tok-secret", "pw-secret"}) {
		t.Errorf("SecretValues = %q", sv)
	}
	if shapesOp.PasswordParam != "password" {
		t.Errorf("PasswordParam = %q, want password (token comes first)", shapesOp.PasswordParam)
	}
	var order []string
	p.EachParam(func(name, _ string) { order = append(order, name) })
	var want []string
	for _, f := range shapesOp.Params {
		want = append(want, f.Name)
	}
	if !slices.Equal(order, want) {
		t.Errorf("EachParam order %q, want the spec's %q", order, want)
	}
	var nilP *shapes.ShapesParams
	if nilP.GetFlag() != true || nilP.GetNumber() != 0 || nilP.GetCodec() != "" || nilP.SecretValues() != nil {
		t.Error("getters of a nil Params: want the defaults and zero values")
	}
}
