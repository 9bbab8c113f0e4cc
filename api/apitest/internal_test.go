package apitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// The fake validates its own responses: one that breaks the spec becomes a 500 that says so.
func TestWriteCheckedRefusesOffContractResponses(t *testing.T) {
	s := NewServer()
	defer s.Close()
	req := httptest.NewRequest(http.MethodPost, s.URL+"/UpdateSipRegistration?sip_registration_id=1", nil)
	route, pathParams, err := s.router.FindRoute(req)
	if err != nil {
		t.Fatal(err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route}
	for body, want := range map[string]int{
		`{"result":1}`:                     200,
		`{"error":{"code":101,"msg":"x"}}`: 200,
		`{"result":"one"}`:                 500,
		`{"error":{"code":101}}`:           500, // msg is required
		`{"errors":[{"msg":"x"}]}`:         500, // code is required
	} {
		w := httptest.NewRecorder()
		s.writeChecked(w, in, 200, []byte(body))
		out, _ := io.ReadAll(w.Result().Body)
		if w.Code != want {
			t.Errorf("%s: HTTP %d (%s), want %d", body, w.Code, out, want)
		}
		if want == 500 && !strings.Contains(string(out), "breaks the OpenAPI contract") {
			t.Errorf("%s: body %q does not explain", body, out)
		}
	}
}
