package params

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/generated"
)

// generatedQuery is the reference: the query the generated request builder makes.
func generatedQuery(t *testing.T, p *generated.UpdateSIPRegistrationParams) string {
	t.Helper()
	req, err := generated.NewUpdateSIPRegistrationRequest("https://api.example/platform_api/", p)
	if err != nil {
		t.Fatal(err)
	}
	return req.URL.RawQuery
}

// FuzzEncodeQueryMatchesGenerated holds EncodeQuery to the generated builder, byte for byte, for
// any values in any subset of the parameters (mask picks which are set); FromQuery must read back
// what was encoded.
func FuzzEncodeQueryMatchesGenerated(f *testing.F) {
	f.Add(int64(1), "alice", "", "a b&c=d+e%f/?#ü", int64(0), uint16(0xffff))
	f.Add(int64(-5), "日本", "x;y,z", "'\"<>", int64(1<<62), uint16(0x0aaa))
	f.Add(int64(9), "\x00\xff", "+", " ", int64(-1), uint16(0x0555))
	f.Add(int64(0), "", "", "", int64(0), uint16(0))
	f.Fuzz(func(t *testing.T, id int64, s1, s2, s3 string, n int64, mask uint16) {
		p := generated.UpdateSIPRegistrationParams{SIPRegistrationID: id}
		strs := [3]string{s1, s2, s3}
		for i, fld := range Fields {
			if fld.Required || mask&(1<<i) == 0 {
				continue
			}
			v := strs[i%3]
			if fld.Integer {
				v = strconv.FormatInt(n+int64(i), 10)
			}
			if err := Set(&p, fld.Name, v); err != nil {
				t.Fatal(err)
			}
		}
		got, want := EncodeQuery(&p), generatedQuery(t, &p)
		if got != want {
			t.Fatalf("EncodeQuery = %q\ngenerated   = %q", got, want)
		}
		q, err := url.ParseQuery(got)
		if err != nil {
			t.Fatalf("encoded query does not parse: %v", err)
		}
		back, err := FromQuery(q)
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("FromQuery(EncodeQuery(p)) = %+v, %v; want %+v", back, err, p)
		}
	})
}

func TestFieldsFollowTheGeneratedType(t *testing.T) {
	var names []string
	for _, f := range Fields {
		names = append(names, f.Name)
	}
	want := "sip_registration_id sip_username proxy auth_user outbound_proxy password application_id application_name rule_id rule_name user_id user_name"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("Fields = %s\nwant     %s", got, want)
	}
	if f, ok := Lookup("sip_registration_id"); !ok || !f.Required || !f.Integer {
		t.Errorf("sip_registration_id: %+v", f)
	}
	if f, ok := Lookup("password"); !ok || f.Required || f.Integer {
		t.Errorf("password: %+v", f)
	}
}

func TestSetAndEachErrors(t *testing.T) {
	var p generated.UpdateSIPRegistrationParams
	if err := Set(&p, "nope", "1"); err == nil || !strings.Contains(err.Error(), `unknown parameter "nope"`) {
		t.Errorf("unknown name: %v", err)
	}
	if err := Set(&p, "user_id", "1.5"); err == nil || !strings.Contains(err.Error(), "not an integer") {
		t.Errorf("bad integer: %v", err)
	}
	if _, err := FromQuery(url.Values{"zzz": {"1"}}); err == nil {
		t.Error("FromQuery accepted an unknown parameter")
	}
	Set(&p, "sip_registration_id", "3")
	Set(&p, "proxy", "")
	var got []string
	Each(&p, func(name, value string) { got = append(got, name+"="+value) })
	if strings.Join(got, "&") != "sip_registration_id=3&proxy=" {
		t.Errorf("Each = %v", got)
	}
}

func TestEncodeQueryAllocations(t *testing.T) {
	pw, name := "s3cr3t pass", "alice"
	id := int64(42)
	p := generated.UpdateSIPRegistrationParams{SIPRegistrationID: 1234567, SIPUsername: &name, Password: &pw, ApplicationID: &id, UserName: &name}
	// The builder's buffer, and the escaped password (it has a space).
	if n := testing.AllocsPerRun(100, func() { EncodeQuery(&p) }); n > 2 {
		t.Errorf("EncodeQuery makes %v allocations, want at most 2", n)
	}
}

func TestEachMaskedHidesSecrets(t *testing.T) {
	pw := "hunter2"
	p := generated.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: &pw}
	var got []string
	EachMasked(&p, func(name, value string) { got = append(got, name+"="+value) })
	if strings.Join(got, "&") != "sip_registration_id=1&password=***" {
		t.Errorf("EachMasked = %v", got)
	}
	if names := SecretNames(); !reflect.DeepEqual(names, []string{"password"}) {
		t.Errorf("SecretNames = %v", names)
	}
}
