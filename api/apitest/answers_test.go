package apitest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/generated"
)

// TestAnswersLikeTheAPI: requests the API refuses get the API's envelope at HTTP 200 (never a
// success, never an HTTP 4xx), with the code the API uses; paths and methods off the API get
// HTTP answers.
func TestAnswersLikeTheAPI(t *testing.T) {
	srv := start(t, apitest.WithRegistrationIDs(1))
	bearer := "Bearer " + token(t, srv, srv.AccountID(), time.Now())
	upd := apitest.BasePath + "/UpdateSipRegistration"
	form := "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name     string
		call     rawCall
		code     int    // the API code, at HTTP 200
		msg      string // a part of the message
		accepted bool   // the fake accepts it (code 0 means success)
	}{
		{"success", rawCall{path: upd, query: "sip_registration_id=1", auth: bearer}, 0, "", true},
		{"missing required", rawCall{path: upd, auth: bearer}, 134, `Required parameter 'sip_registration_id' is empty`, false},
		{"required but empty", rawCall{path: upd, query: "sip_registration_id=", auth: bearer}, 134, `Required parameter 'sip_registration_id' is empty`, false},
		{"wrong type", rawCall{path: upd, query: "sip_registration_id=abc", auth: bearer}, 275, `The 'sip_registration_id' parameter is invalid: "abc" is not an integer`, false},
		{"below minimum", rawCall{path: upd, query: "sip_registration_id=0", auth: bearer}, 275, "The 'sip_registration_id' parameter is invalid", false},
		{"another parameter's code", rawCall{path: upd, query: "sip_registration_id=1&application_id=x", auth: bearer}, 116, "The 'application_id' parameter is invalid", false},
		{"no code of its own", rawCall{path: apitest.BasePath + "/GetSipRegistrations", query: "count=0", auth: bearer}, 101, "The 'count' parameter is invalid", false},
		{"unknown parameter (ignored, with a warning)", rawCall{path: upd, query: "sip_registration_id=1&colour=red", auth: bearer}, 0, "", true},
		{"twice in the query", rawCall{path: upd, query: "sip_registration_id=1&proxy=a&proxy=b", auth: bearer}, 101, `"proxy" given 2 times`, false},
		{"in query and body", rawCall{path: upd, query: "sip_registration_id=1", body: []byte("sip_registration_id=1"), contentType: form, auth: bearer}, 101, `"sip_registration_id" given 2 times`, false},
		{"twice in the body", rawCall{path: upd, body: []byte("sip_registration_id=1&sip_registration_id=2"), contentType: form, auth: bearer}, 101, "given 2 times", false},
		{"boolean neither true/false nor 1/0", rawCall{path: apitest.BasePath + "/GetSipRegistrations", query: "deactivated=yes", auth: bearer}, 101, `The 'deactivated' parameter is invalid: "yes" is not true or false`, false},
		{"broken rule", rawCall{path: upd, query: "sip_registration_id=1&user_id=5", auth: bearer}, 101, "need application_id or application_name", false},
		{"no such registration", rawCall{path: upd, query: "sip_registration_id=2", auth: bearer}, 275, "SIP registration 2 not found", true},
		{"unknown method", rawCall{path: apitest.BasePath + "/FlyToTheMoon", auth: bearer}, 103, "FlyToTheMoon", false},
		{"unknown cmd", rawCall{path: apitest.BasePath, query: "cmd=FlyToTheMoon", auth: bearer}, 103, "FlyToTheMoon", false},
		{"no cmd", rawCall{path: apitest.BasePath, query: "sip_registration_id=1", auth: bearer}, 102, "Missing 'cmd' parameter", false},
		{"empty cmd", rawCall{path: apitest.BasePath, query: "cmd=&sip_registration_id=1", auth: bearer}, 102, "Missing 'cmd' parameter", false},
		{"cmd twice", rawCall{path: apitest.BasePath, query: "cmd=UpdateSipRegistration&sip_registration_id=1", body: []byte("cmd=UpdateSipRegistration"), contentType: form, auth: bearer}, 101, `"cmd" given 2 times`, false},
		{"cmd beside a method in the path: the path wins", rawCall{path: upd, query: "cmd=DeleteSipRegistration&sip_registration_id=1", auth: bearer}, 0, "", true},
		{"JSON body", rawCall{path: upd, body: []byte(`{"sip_registration_id":1}`), contentType: "application/json", auth: bearer}, 0, "", true},
		{"twice in a JSON body", rawCall{path: upd, body: []byte(`{"sip_registration_id":1,"proxy":"a","proxy":"b"}`), contentType: "application/json", auth: bearer}, 101, `"proxy" given 2 times`, false},
		{"JSON body not an object", rawCall{path: upd, body: []byte(`[1]`), contentType: "application/json", auth: bearer}, 101, "JSON body", false},
		{"XML body", rawCall{path: upd, body: []byte(`<a/>`), contentType: "application/xml", auth: bearer}, 101, "unsupported Content-Type", false},
		{"body without a type", rawCall{path: upd, body: []byte(`sip_registration_id=1`), auth: bearer}, 101, "Content-Type", false},
		{"broken multipart", rawCall{path: upd, body: []byte("--x\r\nnonsense"), contentType: "multipart/form-data; boundary=x", auth: bearer}, 101, "multipart", false},
		{"no token", rawCall{path: upd, query: "sip_registration_id=1"}, 100, "no bearer token", false},
		{"another scheme", rawCall{path: upd, query: "sip_registration_id=1", auth: "Basic dXNlcjpwYXNz"}, 100, "no bearer token", false},
		{"bad token", rawCall{path: upd, query: "sip_registration_id=1", auth: "Bearer not.a.jwt"}, 100, "token rejected", false},
		{"bearer in lower case", rawCall{path: upd, query: "sip_registration_id=1", auth: "bearer " + bearer[7:]}, 0, "", true},
		{"BEARER", rawCall{path: upd, query: "sip_registration_id=1", auth: "BEARER " + bearer[7:]}, 0, "", true},
		{"iss as a string of digits (Java)", rawCall{path: upd, query: "sip_registration_id=1", auth: "Bearer " + token(t, srv, "1000001", time.Now())}, 0, "", true},
		{"iss of another account", rawCall{path: upd, query: "sip_registration_id=1", auth: "Bearer " + token(t, srv, "7", time.Now())}, 100, "iss 7", false},
		{"iss not digits", rawCall{path: upd, query: "sip_registration_id=1", auth: "Bearer " + token(t, srv, "10x", time.Now())}, 100, "token rejected", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.Requests())
			status, _, body := tc.call.do(t, srv)
			code, msg := apiErr(body)
			if code != 0 && (!generated.ErrorCode(code).Valid() || len(msg) > 160 || strings.Contains(msg, "Schema")) {
				t.Errorf("code %d msg %q: want a code from the spec's list and a short sentence", code, msg)
			}
			if status != http.StatusOK || code != tc.code || !strings.Contains(msg, tc.msg) {
				t.Errorf("HTTP %d %s; want HTTP 200 with code %d and a msg containing %q", status, body, tc.code, tc.msg)
			}
			if tc.code == 0 && string(body) != `{"result":1}` {
				t.Errorf("body %s, want {\"result\":1}", body)
			}
			if got := len(srv.Requests()) - before; got != map[bool]int{true: 1}[tc.accepted] {
				t.Errorf("%d requests recorded, want accepted=%v", got, tc.accepted)
			}
		})
	}
}

// A list sent with a raw ";" (as curl users write it) is one value, in the query and in a form
// body, not a malformed request.
func TestRawSemicolonsAreListSeparators(t *testing.T) {
	srv := start(t)
	bearer := "Bearer " + token(t, srv, srv.AccountID(), time.Now())
	get := apitest.BasePath + "/GetSipRegistrations"
	for _, call := range []rawCall{
		{path: get, query: "user_id=1;2&status_code=200;400:499", auth: bearer},
		{path: get, body: []byte("user_id=1;2&status_code=200;400:499"), contentType: "application/x-www-form-urlencoded", auth: bearer},
	} {
		status, _, body := call.do(t, srv)
		if code, _ := apiErr(body); status != http.StatusOK || code != 0 {
			t.Fatalf("HTTP %d %s, want a success", status, body)
		}
		reqs := srv.Requests()
		p := reqs[len(reqs)-1].Params.(*generated.GetSIPRegistrationsParams)
		if p.UserID == nil || *p.UserID != "1;2" || p.StatusCode == nil || *p.StatusCode != "200;400:499" {
			t.Errorf("decoded user_id %v, status_code %v; want 1;2 and 200;400:499", p.UserID, p.StatusCode)
		}
	}
}

func TestOffTheAPI(t *testing.T) {
	srv := start(t)
	for _, tc := range []struct {
		call   rawCall
		status int
		allow  string
	}{
		{rawCall{path: "/"}, 404, ""},
		{rawCall{path: "/UpdateSipRegistration"}, 404, ""},
		{rawCall{method: "GET", path: apitest.BasePath + "/UpdateSipRegistration", query: "sip_registration_id=1"}, 405, "POST"},
		{rawCall{method: "PUT", path: apitest.BasePath}, 405, "POST"},
		{rawCall{method: "GET", path: apitest.AdminPath + "reset"}, 405, "POST"},
		{rawCall{method: "PATCH", path: apitest.AdminPath + "requests"}, 405, "GET, DELETE"},
		{rawCall{method: "GET", path: apitest.AdminPath + "nothing"}, 404, ""},
	} {
		status, h, body := tc.call.do(t, srv)
		if status != tc.status || h.Get("Allow") != tc.allow {
			t.Errorf("%s %s: HTTP %d Allow %q (%s); want %d Allow %q", tc.call.method, tc.call.path, status, h.Get("Allow"), body, tc.status, tc.allow)
		}
	}
}

// A text parameter with a code of its own (sip_username 273, proxy 274, ...) refuses a control
// character or a byte that is not UTF-8 with that code, in every operation and body shape, and
// nothing is recorded (a guess; see the package doc).
func TestRefusesControlCharactersInText(t *testing.T) {
	srv := start(t, apitest.WithRegistrationIDs(1))
	bearer := "Bearer " + token(t, srv, srv.AccountID(), time.Now())
	seen := map[string]int{}
	for _, op := range generated.Operations {
		for _, p := range op.Params {
			code, ok := apitest.InvalidCode(p.Name)
			if p.Type != "string" || !ok {
				continue
			}
			seen[p.Name] = code
			for _, v := range []string{"%00", "a%0Ab", "%1b[31m", "%7f", "%c2%85", "%ff", "a%c3"} {
				for _, call := range []rawCall{
					{path: apitest.BasePath + "/" + op.ID, query: p.Name + "=" + v, auth: bearer},
					{path: apitest.BasePath + "/" + op.ID, body: []byte(p.Name + "=" + v), contentType: "application/x-www-form-urlencoded", auth: bearer},
				} {
					before := len(srv.Requests())
					status, _, body := call.do(t, srv)
					got, msg := apiErr(body)
					if status != http.StatusOK || got != code || !strings.Contains(msg, "control character") && !strings.Contains(msg, "not UTF-8") ||
						len(srv.Requests()) != before {
						t.Errorf("%s %s=%s: HTTP %d %s; want code %d for a control character or a byte that is not UTF-8", op.ID, p.Name, v, status, body, code)
					}
				}
			}
		}
	}
	if seen["sip_username"] != int(generated.ErrorCodeInvalidUsername) || seen["proxy"] != int(generated.ErrorCodeInvalidProxy) {
		t.Errorf("checked %v; want sip_username with 273 and proxy with 274", seen)
	}
	status, _, body := rawCall{path: apitest.BasePath + "/CreateSipRegistration", body: []byte(`{"sip_username":"a\u0000","proxy":"p"}`),
		contentType: "application/json", auth: bearer}.do(t, srv)
	if code, _ := apiErr(body); status != http.StatusOK || code != int(generated.ErrorCodeInvalidUsername) {
		t.Errorf("a NUL in a JSON body: HTTP %d %s; want code 273", status, body)
	}
	status, _, body = rawCall{path: apitest.BasePath + "/CreateSipRegistration", query: "sip_username=%C3%BCser%20%F0%9F%98%80&proxy=sip.example.com",
		auth: bearer}.do(t, srv)
	if code, _ := apiErr(body); status != http.StatusOK || code != 0 {
		t.Errorf("UTF-8 text and a space: HTTP %d %s; want a success", status, body)
	}
}
