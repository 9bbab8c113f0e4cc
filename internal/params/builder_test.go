package params_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/voxsip/voxsip/generated"
)

// The builders hand net/http a request with the same fields http.NewRequest would make from the
// URL's text, for servers with odd corners: an empty port, IPv6, escaped path, userinfo.
func TestBuilderRequestMatchesNewRequest(t *testing.T) {
	for _, server := range []string{
		"https://api.example/platform_api/",
		"http://127.0.0.1:8080/",
		"http://h.example:/x/",
		"http://[::1]:9/p/",
		"https://h.example/a%2Fb/c%20d/",
		"https://user:pass@h.example/x/",
	} {
		req, err := generated.NewDeleteSIPRegistrationRequest(server, &generated.DeleteSIPRegistrationParams{SIPRegistrationID: 42})
		if err != nil {
			t.Fatal(err)
		}
		want, err := http.NewRequest(http.MethodPost, req.URL.String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if req.Method != want.Method || req.Host != want.Host || req.Proto != want.Proto ||
			req.ProtoMajor != want.ProtoMajor || req.ProtoMinor != want.ProtoMinor || req.Body != nil ||
			req.ContentLength != 0 || len(req.Header) != 0 || req.Header == nil {
			t.Errorf("%s: request %+v, want %+v", server, req, want)
		}
		if !reflect.DeepEqual(*req.URL, *want.URL) {
			t.Errorf("%s: URL %#v, want %#v", server, *req.URL, *want.URL)
		}
	}
}

// Each client keeps its own resolved server: two clients with different servers, used in turn,
// each reach their own, and a client follows a change of its Server field.
func TestClientsResolveTheirOwnServer(t *testing.T) {
	doer := &capture{}
	a, err := generated.NewClient("https://a.example/x", generated.WithHTTPClient(doer))
	if err != nil {
		t.Fatal(err)
	}
	b, err := generated.NewClient("http://b.example:8080/y/", generated.WithHTTPClient(doer))
	if err != nil {
		t.Fatal(err)
	}
	p := &generated.DeleteSIPRegistrationParams{SIPRegistrationID: 1}
	get := func(c *generated.Client) string {
		t.Helper()
		doer.req = nil
		_, _ = c.DeleteSIPRegistration(context.Background(), p) // capture sends nothing: the error is expected
		if doer.req == nil {
			t.Fatal("no request built")
		}
		return doer.req.URL.String()
	}
	for range 2 {
		if got, want := get(a), "https://a.example/x/DeleteSipRegistration?sip_registration_id=1"; got != want {
			t.Errorf("client a: %q, want %q", got, want)
		}
		if got, want := get(b), "http://b.example:8080/y/DeleteSipRegistration?sip_registration_id=1"; got != want {
			t.Errorf("client b: %q, want %q", got, want)
		}
	}
	a.Server = "https://c.example/z/"
	if got, want := get(a), "https://c.example/z/DeleteSipRegistration?sip_registration_id=1"; got != want {
		t.Errorf("client a after Server changed: %q, want %q", got, want)
	}
	a.Server = "://bad"
	if _, err := a.DeleteSIPRegistration(context.Background(), p); err == nil {
		t.Error("a bad Server was accepted")
	}
}
