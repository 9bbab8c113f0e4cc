package params_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/oapi-codegen/runtime"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/testutil"
)

// capture is a Doer that keeps the request the generated client built and sends nothing.
type capture struct{ req *http.Request }

func (c *capture) Do(r *http.Request) (*http.Response, error) {
	c.req = r
	return nil, errors.New("not sent")
}

// generatedQuery sends p through the generated client's method for op and returns the query it
// built.
func generatedQuery(t *testing.T, op *params.Op, p any) string {
	t.Helper()
	doer := &capture{}
	gen, err := generated.NewClient("https://api.example/platform_api/", generated.WithHTTPClient(doer))
	if err != nil {
		t.Fatal(err)
	}
	m := reflect.ValueOf(gen).MethodByName(op.GoName)
	if !m.IsValid() {
		t.Fatalf("the generated client has no method %s for %s", op.GoName, op.ID)
	}
	m.Call([]reflect.Value{reflect.ValueOf(context.Background()), reflect.ValueOf(p)})
	if doer.req == nil {
		t.Fatalf("%s built no request", op.GoName)
	}
	if want := "/platform_api" + op.Path; doer.req.URL.Path != want {
		t.Errorf("%s: path %q, want %q", op.ID, doer.req.URL.Path, want)
	}
	return doer.req.URL.RawQuery
}

// Every parameter of every operation (from the generated table, so a new one is covered by go
// generate alone) survives the trip: Set, the generated request builder, then FromValues.
func TestEveryParameterRoundTripsThroughTheGeneratedBuilder(t *testing.T) {
	if len(params.All()) != len(generated.Operations) {
		t.Fatalf("params knows %d operations, the spec %d", len(params.All()), len(generated.Operations))
	}
	for _, op := range params.All() {
		if len(op.Fields) != len(op.Params) {
			t.Errorf("%s: %d fields resolved for %d parameters", op.ID, len(op.Fields), len(op.Params))
		}
		for _, f := range op.Fields {
			values := []string{testutil.SampleValue(&f)}
			if freeString(f) {
				values = append(values, "", "a b&c=d+e%f/?#ü;x", "\x00\xff")
			}
			for _, v := range values {
				p := testutil.ValidParams(op)
				if err := op.Set(p, f.Name, v); err != nil {
					t.Fatalf("%s: Set(%s, %q): %v", op.ID, f.Name, v, err)
				}
				q := generatedQuery(t, op, p)
				vals, err := parseQuery(q)
				if err != nil {
					t.Fatalf("%s: query %q does not parse: %v", op.ID, q, err)
				}
				back, err := op.FromValues(vals)
				if err != nil || !reflect.DeepEqual(back, p) {
					t.Errorf("%s %s=%q: FromValues(generated query) = %+v, %v; want %+v", op.ID, f.Name, v, back, err, p)
				}
				got := map[string]string{}
				op.Each(p, func(f *params.Field, value string) { got[f.Name] = value })
				if got[f.Name] != v && !(f.Type == "string" && strings.ToValidUTF8(v, "") != v) {
					t.Errorf("%s: Each gives %s=%q, want %q", op.ID, f.Name, got[f.Name], v)
				}
			}
		}
	}
}

// Secret parameters are masked by EachMasked, SecretValues and MarshalJSON; others are not.
func TestSecretsFollowTheSpec(t *testing.T) {
	secrets := 0
	for _, op := range params.All() {
		p := testutil.ValidParams(op)
		for _, f := range op.Fields {
			if freeString(f) {
				if err := op.Set(p, f.Name, "value-of-"+f.Name); err != nil {
					t.Fatal(err)
				}
			}
		}
		shown := map[string]string{}
		op.EachMasked(p, func(f *params.Field, value string) { shown[f.Name] = value })
		js, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		sv := p.(interface{ SecretValues() []string }).SecretValues()
		for _, f := range op.Fields {
			if !freeString(f) {
				continue
			}
			v := "value-of-" + f.Name
			if f.Secret != (f.Format == "password") {
				t.Errorf("%s: %s Secret=%v but format %q", op.ID, f.Name, f.Secret, f.Format)
			}
			if f.Secret {
				secrets++
				if shown[f.Name] != params.Mask || strings.Contains(string(js), v) || !slices.Contains(sv, v) {
					t.Errorf("%s: secret %s: EachMasked %q, JSON %s, SecretValues %q", op.ID, f.Name, shown[f.Name], js, sv)
				}
			} else if shown[f.Name] != v || !strings.Contains(string(js), v) || slices.Contains(sv, v) {
				t.Errorf("%s: %s is not secret but EachMasked %q, JSON %s, SecretValues %q", op.ID, f.Name, shown[f.Name], js, sv)
			}
		}
	}
	if secrets == 0 {
		t.Fatal("no parameter of the spec is format: password")
	}
}

func TestSetAndFromValuesRefuseBadInput(t *testing.T) {
	op := params.For[generated.UpdateSIPRegistrationParams]()
	p := op.New()
	for _, tc := range []struct{ name, value, want string }{
		{"nope", "1", `no parameter "nope"`},
		{"sip_registration_id", "1.5", "not an integer"},
		{"sip_registration_id", "99999999999999999999", "out of range"},
	} {
		if err := op.Set(p, tc.name, tc.value); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Set(%s, %q) = %v, want %q", tc.name, tc.value, err, tc.want)
		}
	}
	bind := params.For[generated.BindSIPRegistrationParams]()
	if err := bind.Set(bind.New(), "bind", "yes"); err == nil {
		t.Error(`Set(bind, "yes") accepted`)
	}
	if _, err := op.FromValues(map[string][]string{"proxy": {"a", "b"}}); err == nil || !strings.Contains(err.Error(), "2 times") {
		t.Errorf("repeated parameter: %v", err)
	}
}

// freeString reports whether f takes any string (no pattern, no enum).
func freeString(f params.Field) bool {
	return f.Type == "string" && f.Pattern == "" && len(f.Enum) == 0
}

func parseQuery(q string) (map[string][]string, error) { return url.ParseQuery(q) }

// styledQuery is the query oapi-codegen's stock builder would make for p: every set parameter,
// in the spec's order, styled by runtime.StyleParamWithOptions (form, exploded).
func styledQuery(t *testing.T, op *params.Op, p any) string {
	t.Helper()
	fields := make([]styleField, len(op.Fields))
	for i, f := range op.Fields {
		fields[i] = styleField{f.Name, f.GoName, f.Type, f.Format}
	}
	return runtimeStyled(t, p, fields)
}

// styleField is what runtime styling needs to know of a parameter.
type styleField struct{ name, goName, typ, format string }

// runtimeStyled styles every field of *p that is set, in the order of fields.
func runtimeStyled(t *testing.T, p any, fields []styleField) string {
	t.Helper()
	var parts []string
	s := reflect.ValueOf(p).Elem()
	for _, f := range fields {
		v := s.FieldByName(f.goName)
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				continue
			}
			v = v.Elem()
		}
		frag, err := runtime.StyleParamWithOptions("form", true, f.name, v.Interface(),
			runtime.StyleParamOptions{ParamLocation: runtime.ParamLocationQuery, Type: f.typ, Format: f.format})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, frag)
	}
	return strings.Join(parts, "&")
}

// FuzzBuilderMatchesRuntimeStyling holds the request builders of the user template
// (generated/templates/client.tmpl) to oapi-codegen's runtime styling, byte for byte, for every
// operation and any values of any subset of its parameters (mask picks which are set).
func FuzzBuilderMatchesRuntimeStyling(f *testing.F) {
	f.Add("alice", "a b&c=d+e%f/?#ü;", int64(5), true, uint64(0xffff))
	f.Add("日本", "'\"<>", int64(1<<62), false, uint64(0x0aaa))
	f.Add("\x00\xff", "+", int64(-1), true, uint64(0x5555))
	f.Add("", "", int64(0), false, uint64(0))
	f.Fuzz(func(t *testing.T, s1, s2 string, n int64, b bool, mask uint64) {
		for _, op := range params.All() {
			p := op.New()
			for i, fld := range op.Fields {
				if !fld.Required && mask&(1<<(i%64)) == 0 {
					continue
				}
				v := s1
				switch {
				case fld.Type == "integer" && fld.Format == "int64":
					v = strconv.FormatInt(n+int64(i), 10)
				case fld.Type == "integer":
					v = strconv.FormatInt(int64(int32(n)+int32(i)), 10)
				case fld.Type == "number" && fld.Format == "double":
					v = strconv.FormatFloat(float64(n)/float64(i+3), 'f', -1, 64)
				case fld.Type == "number":
					v = strconv.FormatFloat(float64(float32(n)/float32(i+3)), 'f', -1, 32)
				case fld.Type == "boolean":
					v = strconv.FormatBool(b != (i%2 == 0))
				case i%2 == 1:
					v = s2
				}
				if err := op.Set(p, fld.Name, v); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := generatedQuery(t, op, p), styledQuery(t, op, p); got != want {
				t.Fatalf("%s: builder query %q\nruntime styling %q", op.ID, got, want)
			}
		}
	})
}

// The builders cache the last server URL they parsed: alternating servers must still reach each.
func TestBuildersFollowTheServer(t *testing.T) {
	for _, server := range []string{"https://a.example/x/", "http://b.example:8080/", "https://a.example/x/", "https://a.example/y/"} {
		req, err := generated.NewDeleteSIPRegistrationRequest(server, &generated.DeleteSIPRegistrationParams{SIPRegistrationID: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := req.URL.String(), server+"DeleteSipRegistration?sip_registration_id=1"; got != want {
			t.Errorf("request URL %q, want %q", got, want)
		}
	}
}

// PasswordParam, what the CLI's password flags fill, is the parameter the spec marks
// x-voxsip-cli-password, else the secret named password, never merely the first secret.
func TestPasswordParamFollowsTheSpec(t *testing.T) {
	doc := testutil.LoadSpec(t)
	found := 0
	for _, item := range doc.Paths.Map() {
		for _, specOp := range item.Operations() {
			op, ok := params.ByID(specOp.OperationID)
			if !ok {
				t.Fatalf("%s is not in the generated table", specOp.OperationID)
			}
			want := ""
			for _, ref := range specOp.Parameters {
				p := ref.Value
				if p.Name == "password" && p.Schema.Value.Format == "password" && want == "" {
					want = p.Name
				}
			}
			for _, ref := range specOp.Parameters {
				if ref.Value.Extensions["x-voxsip-cli-password"] == true {
					want = ref.Value.Name
				}
			}
			if op.PasswordParam != want {
				t.Errorf("%s: PasswordParam %q, want %q", op.ID, op.PasswordParam, want)
			}
			if want != "" {
				found++
				if f, _ := op.Lookup(want); !f.Secret {
					t.Errorf("%s: PasswordParam %s is not a secret", op.ID, want)
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("no operation has a CLI password")
	}
}
