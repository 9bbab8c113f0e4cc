package apitest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/generated"
	paramcodec "github.com/voxsip/voxsip/internal/params"
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

// Every operation of the spec has a handler in the fake, and the fake has no handler for an
// operation the spec lacks.
func TestEveryOperationHasAHandler(t *testing.T) {
	if len(generated.Operations) == 0 {
		t.Fatal("the spec has no operations")
	}
	for _, op := range generated.Operations {
		if handlers[op.ID] == nil {
			t.Errorf("openapi.yaml has %s, the fake has no handler for it", op.ID)
		}
	}
	for id := range handlers {
		if _, ok := paramcodec.ByID(id); !ok {
			t.Errorf("the fake handles %s, which openapi.yaml lacks", id)
		}
	}
}

// An operation of the spec without a handler answers 501 in every shape, and is never served
// as another operation.
func TestUnimplementedOperationIsNeverServedAsAnother(t *testing.T) {
	s := NewServer(WithRegistrationIDs(1))
	defer s.Close()
	delete(s.handlers, "DeleteSipRegistration")
	tok, err := auth.NewSigner(s.Credentials())
	if err != nil {
		t.Fatal(err)
	}
	bearer, err := tok.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	root := strings.TrimSuffix(s.URL, BasePath)
	for _, u := range []string{s.URL + "/DeleteSipRegistration?sip_registration_id=1", s.URL + "?cmd=DeleteSipRegistration&sip_registration_id=1"} {
		req, _ := http.NewRequest(http.MethodPost, u, nil)
		req.Header.Set("Authorization", "Bearer "+bearer.Value())
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotImplemented || !strings.Contains(string(body), "does not implement") {
			t.Errorf("%s: HTTP %d %s, want 501 saying so", strings.TrimPrefix(u, root), resp.StatusCode, body)
		}
	}
	if n := len(s.Registrations()); n != 1 || len(s.Requests()) != 0 {
		t.Errorf("%d registrations, %d requests recorded: the unimplemented call did something", n, len(s.Requests()))
	}
}
