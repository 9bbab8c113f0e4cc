package apitest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/generated"
)

// answer is an API answer, success or error.
type answer struct {
	header http.Header
	Result json.RawMessage `json:"result"`
	Count  *int64          `json:"count"`
	ID     int64           `json:"sip_registration_id"`
	Error  *struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	} `json:"error"`
}

func (a answer) code() int {
	if a.Error == nil {
		return 0
	}
	return a.Error.Code
}

func (a answer) rows(t *testing.T) []generated.SIPRegistration {
	t.Helper()
	var rows []generated.SIPRegistration
	if err := json.Unmarshal(a.Result, &rows); err != nil {
		t.Fatalf("result %s is not a list of registrations: %v", a.Result, err)
	}
	return rows
}

// replay sends the request recorded in file (a raw HTTP/1.1 request under testdata/requests,
// with {{TOKEN}} where the bearer token goes) to srv, with a fresh token, and decodes the answer.
func replay(t *testing.T, srv *apitest.Server, file string) answer {
	t.Helper()
	return replayAs(t, srv, file, srv.AccountID())
}

// replayAs is replay with the token's iss given (the Java client sends it as a string).
func replayAs(t *testing.T, srv *apitest.Server, file string, iss any) answer {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte("{{TOKEN}}"), []byte(token(t, srv, iss, time.Now())), 1)
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	u, err := url.Parse(root(srv) + req.RequestURI)
	if err != nil {
		t.Fatal(err)
	}
	req.RequestURI, req.URL, req.Host = "", u, ""
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d %s %v", file, resp.StatusCode, body, err)
	}
	a := answer{header: resp.Header}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("%s: %s: %v", file, body, err)
	}
	return a
}

// lifecycleChecks say what each step of a recorded lifecycle must answer.
var lifecycleChecks = map[string]func(t *testing.T, a answer){
	"1-create": func(t *testing.T, a answer) {
		if a.code() != 0 || a.ID != 1 {
			t.Errorf("create: %+v, want registration 1", a)
		}
	},
	"2-get": func(t *testing.T, a answer) {
		rows := a.rows(t)
		if len(rows) != 1 || rows[0].SIPUsername != "alice" || str(rows[0].ApplicationName) != "phones" || rows[0].ApplicationID == nil ||
			str(rows[0].UserName) != "bob" || rows[0].UserID == nil || !rows[0].IsPersistent {
			t.Errorf("get: %s, want alice bound to phones (with its id) and bob (with his id)", a.Result)
		}
	},
	"3-update": wantResultOne,
	"4-get-bound": func(t *testing.T, a answer) {
		if rows := a.rows(t); len(rows) != 1 || rows[0].Proxy != "sip2.example.com" {
			t.Errorf("get application_id=any: %s, want the updated registration", a.Result)
		}
	},
	"5-unbind": wantResultOne,
	"6-get-bound": func(t *testing.T, a answer) {
		if rows := a.rows(t); len(rows) != 0 || a.Count == nil || *a.Count != 0 {
			t.Errorf("get application_id=any after unbinding: %s, want none", a.Result)
		}
	},
	"7-delete": wantResultOne,
	"8-get": func(t *testing.T, a answer) {
		if rows := a.rows(t); len(rows) != 0 {
			t.Errorf("get after delete: %s, want none", a.Result)
		}
	},
}

func wantResultOne(t *testing.T, a answer) {
	if a.code() != 0 || string(a.Result) != "1" {
		t.Errorf("%+v, want result 1", a)
	}
}

// TestOfficialClientLifecycles replays each official client's requests, recorded in the shape
// that client sends them (see the package doc's table), through a whole lifecycle.
func TestOfficialClientLifecycles(t *testing.T) {
	for _, client := range []string{"go", "python", "java", "node", "curl"} {
		t.Run(client, func(t *testing.T) {
			srv := start(t)
			files, err := filepath.Glob(filepath.Join("testdata", "requests", client, "*.http"))
			if err != nil || len(files) != len(lifecycleChecks) {
				t.Fatalf("%d recorded requests (%v), want %d", len(files), err, len(lifecycleChecks))
			}
			for _, file := range files {
				step := strings.TrimSuffix(filepath.Base(file), ".http")
				var iss any = srv.AccountID()
				if client == "java" {
					iss = strconv.FormatInt(srv.AccountID(), 10) // "1000001", as the Java client signs it
				}
				a := replayAs(t, srv, file, iss)
				if a.code() != 0 {
					t.Fatalf("%s: error %d %s", step, a.code(), a.Error.Msg)
				}
				lifecycleChecks[step](t, a)
				if warned := a.header.Values(apitest.WarningHeader); len(warned) > 0 && client != "node" {
					t.Errorf("%s: warnings %q for a request the service reads whole", step, warned)
				}
			}
			// The Node client's userName (for user_name) is ignored, and said so.
			var warnings []string
			for _, r := range srv.Requests() {
				warnings = append(warnings, r.Warnings...)
			}
			if want := map[bool]int{true: 1}[client == "node"]; len(warnings) != want {
				t.Errorf("request log warnings %q, want %d", warnings, want)
			}
		})
	}
}

// TestRequestShapes replays one recorded request per row of the package doc's table of shapes.
func TestRequestShapes(t *testing.T) {
	for _, tc := range []struct {
		shape string
		code  int
		check func(t *testing.T, a answer, p *generated.GetSIPRegistrationsParams)
	}{
		{"trailing-slash", 0, wantRows(1)},
		{"account-id-other", int(generated.ErrorCodeAuthorizationFailed), nil},
		{"booleans-any-case", 0, func(t *testing.T, _ answer, p *generated.GetSIPRegistrationsParams) {
			if p.IsPersistent == nil || !*p.IsPersistent || p.Deactivated == nil || *p.Deactivated || p.Successful == nil || !*p.Successful {
				t.Errorf("decoded %+v, want is_persistent, successful true and deactivated false", p)
			}
		}},
		{"json-body-params", 0, func(t *testing.T, a answer, p *generated.GetSIPRegistrationsParams) {
			if p.SIPRegistrationID == nil || *p.SIPRegistrationID != 1 || p.Deactivated == nil || p.UserID != nil {
				t.Errorf("decoded %+v, want the body's parameters, null as absent", p)
			}
		}},
		{"unknown-parameter", 0, func(t *testing.T, a answer, _ *generated.GetSIPRegistrationsParams) {
			if w := a.header.Values(apitest.WarningHeader); len(w) != 1 || !strings.Contains(w[0], `"userName"`) {
				t.Errorf("%s: %q, want one warning naming userName", apitest.WarningHeader, w)
			}
		}},
		{"empty-values", 0, func(t *testing.T, a answer, p *generated.GetSIPRegistrationsParams) {
			if p.ApplicationID != nil || p.RuleName != nil || p.Deactivated != nil || p.Count != nil || *p.SIPRegistrationID != 1 {
				t.Errorf("decoded %+v, want the empty values absent", p)
			}
		}},
	} {
		t.Run(tc.shape, func(t *testing.T) {
			srv := start(t, apitest.WithRegistrationIDs(1))
			a := replay(t, srv, filepath.Join("testdata", "requests", "shapes", tc.shape+".http"))
			if a.code() != tc.code {
				t.Fatalf("%+v, want code %d", a, tc.code)
			}
			if tc.check != nil {
				reqs := srv.Requests()
				tc.check(t, a, reqs[len(reqs)-1].Params.(*generated.GetSIPRegistrationsParams))
			}
		})
	}
}

func wantRows(n int) func(t *testing.T, a answer, _ *generated.GetSIPRegistrationsParams) {
	return func(t *testing.T, a answer, _ *generated.GetSIPRegistrationsParams) {
		if rows := a.rows(t); len(rows) != n {
			t.Errorf("%d rows, want %d", len(rows), n)
		}
	}
}

// Under WithStrict an unknown parameter is refused with 101, before anything happens.
func TestStrictRefusesUnknownParameters(t *testing.T) {
	srv := start(t, apitest.WithRegistrationIDs(1), apitest.WithStrict())
	a := replay(t, srv, filepath.Join("testdata", "requests", "shapes", "unknown-parameter.http"))
	if a.code() != int(api.CodeInvalidArguments) || !strings.Contains(a.Error.Msg, `"userName"`) {
		t.Errorf("%+v, want 101 naming userName", a)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests accepted, want 0", n)
	}
	// The Node client's lifecycle trips on its typo.
	strict := start(t, apitest.WithStrict())
	var codes []int
	files, _ := filepath.Glob(filepath.Join("testdata", "requests", "node", "*.http"))
	for _, f := range files {
		codes = append(codes, replay(t, strict, f).code())
	}
	if len(codes) != len(lifecycleChecks) || codes[3] != int(api.CodeInvalidArguments) {
		t.Errorf("node lifecycle under WithStrict: codes %v, want 101 for step 4", codes)
	}
}
