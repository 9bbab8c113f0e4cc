package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/testutil"
)

// call calls the client's method for op (found by the generated name, so an operation added to
// openapi.yaml without a client method fails here) and returns its error.
func call(t *testing.T, ctx context.Context, c *api.Client, op *params.Op, p any) error {
	t.Helper()
	m := reflect.ValueOf(c).MethodByName(op.GoName)
	if !m.IsValid() {
		t.Fatalf("*api.Client has no method %s for operation %s of openapi.yaml", op.GoName, op.ID)
	}
	out := m.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(p)})
	if err, _ := out[len(out)-1].Interface().(error); err != nil {
		return err
	}
	return nil
}

// TestClientHasEveryOperation walks openapi.yaml's operations: each has a client method taking
// (context.Context, *<its generated Params>) and returning an error last.
func TestClientHasEveryOperation(t *testing.T) {
	doc := testutil.LoadSpec(t)
	n := 0
	for _, item := range doc.Paths.Map() {
		for _, specOp := range item.Operations() {
			n++
			op, ok := params.ByID(specOp.OperationID)
			if !ok {
				t.Errorf("operation %s is not in generated code: run go generate", specOp.OperationID)
				continue
			}
			m, ok := reflect.TypeFor[*api.Client]().MethodByName(op.GoName)
			if !ok {
				t.Errorf("*api.Client has no method %s for operation %s", op.GoName, op.ID)
				continue
			}
			if m.Type.NumIn() != 3 || m.Type.In(2) != reflect.TypeOf(op.New()) ||
				m.Type.Out(m.Type.NumOut()-1) != reflect.TypeFor[error]() {
				t.Errorf("%s has signature %s, want (ctx, %T) (..., error)", op.GoName, m.Type, op.New())
			}
		}
	}
	if n != len(params.All()) {
		t.Errorf("openapi.yaml has %d operations, generated code %d", n, len(params.All()))
	}
}

// TestContractEveryParameter drives the real client through every parameter of every operation
// the spec has (read from the generated table, so a new parameter or operation is covered by go
// generate alone): set to a valid value and, for free strings, to "" and to special characters.
// The fake validates each request against openapi.yaml; what it decoded must equal what was sent.
func TestContractEveryParameter(t *testing.T) {
	c, srv, _ := setup(t)
	ctx := context.Background()
	send := func(t *testing.T, op *params.Op, p, want any) {
		t.Helper()
		if _, given := op.Text(p, "sip_registration_id"); given {
			// Operations on one registration need one that exists.
			created, err := c.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p"})
			if err != nil {
				t.Fatalf("CreateSIPRegistration: %v", err)
			}
			for _, p := range []any{p, want} {
				if err := op.Set(p, "sip_registration_id", strconv.FormatInt(created.SIPRegistrationID, 10)); err != nil {
					t.Fatal(err)
				}
			}
		}
		before := len(srv.Requests())
		if err := call(t, ctx, c, op, p); err != nil {
			t.Fatalf("%s: %v", op.GoName, err)
		}
		reqs := srv.Requests()
		if len(reqs) != before+1 {
			t.Fatalf("the fake accepted %d requests, want 1", len(reqs)-before)
		}
		got := reqs[len(reqs)-1]
		if got.Operation != op.ID || !reflect.DeepEqual(got.Params, want) {
			t.Errorf("the fake decoded\n  %v\nwant\n  %v", got, apitest.Request{Operation: op.ID, Params: want})
		}
	}
	for _, op := range params.All() {
		t.Run(op.ID+"/minimal", func(t *testing.T) { p := testutil.ValidParams(op); send(t, op, p, p) })
		for _, f := range op.Fields {
			values := map[string]string{"set": testutil.SampleValue(&f)}
			if f.Type == "string" && len(f.Enum) == 0 && f.Pattern == "" && f.MinLength == 0 {
				values["empty"] = ""
				values["special"] = "a b&c=d+e%f/?#ü;"
			}
			for kind, value := range values {
				t.Run(op.ID+"/"+f.Name+"/"+kind, func(t *testing.T) {
					build := func(withTarget bool) any {
						p := testutil.ValidParams(op)
						for _, need := range append(testutil.Needs(op, f.Name), f.Name) {
							nf, _ := op.Lookup(need)
							v := testutil.SampleValue(&nf)
							if need == f.Name {
								if !withTarget {
									continue
								}
								v = value
							}
							if err := op.Set(p, need, v); err != nil {
								t.Fatal(err)
							}
						}
						return p
					}
					want := build(true)
					if value == "" && !apitest.KeepsEmpty(op.ID, f.Name) {
						want = build(false) // the fake reads "" as absent, as the service does
					}
					send(t, op, build(true), want)
				})
			}
		}
	}
	if ua := lastRequest(t, srv).UserAgent; !strings.HasPrefix(ua, "voxsip/"+api.Version+" (go") {
		t.Errorf("User-Agent = %q, want voxsip/%s (go…)", ua, api.Version)
	}
}

// TestContractFakeRefusesBadRequests sends hand-made requests that break the contract.
func TestContractFakeRefusesBadRequests(t *testing.T) {
	key := testKey(t)
	srv := newFake(apitest.WithKey(key))
	defer srv.Close()
	src, err := auth.NewTokenSource(srv.Credentials())
	if err != nil {
		t.Fatal(err)
	}
	good, _ := src.Token(context.Background())
	otherServer := newFake(apitest.WithKey(key)) // same key, another key id
	defer otherServer.Close()
	foreign, _ := auth.NewTokenSource(otherServer.Credentials())
	foreignTok, _ := foreign.Token(context.Background())
	sign := func(claims jwt.MapClaims) string {
		t.Helper()
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = srv.Credentials().KeyID
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	tests := []struct {
		name       string
		method     string
		query      string
		bearer     string
		wantStatus int
		wantBody   string
	}{
		{"valid, as a baseline", "POST", "sip_registration_id=1", good.Value(), 200, `{"result":1}`},
		{"GET instead of POST", "GET", "sip_registration_id=1", good.Value(), 405, "takes POST"},
		{"no token", "POST", "sip_registration_id=1", "", 200, `"code":100`},
		{"garbage token", "POST", "sip_registration_id=1", "not.a.jwt", 200, `"code":100`},
		{"token of another key id", "POST", "sip_registration_id=1", foreignTok.Value(), 200, "unknown key id"},
		{"expired token", "POST", "sip_registration_id=1", sign(jwt.MapClaims{"iss": srv.AccountID(), "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}), 200, "expired"},
		{"lifetime over an hour", "POST", "sip_registration_id=1", sign(jwt.MapClaims{"iss": srv.AccountID(), "iat": now.Unix() - 5, "exp": now.Unix() + 3600}), 200, "exceeds 3600s"},
		{"issued in the future", "POST", "sip_registration_id=1", sign(jwt.MapClaims{"iss": srv.AccountID(), "iat": now.Unix() + 60, "exp": now.Unix() + 600}), 200, "used before issued"},
		{"no iat", "POST", "sip_registration_id=1", sign(jwt.MapClaims{"iss": srv.AccountID(), "exp": now.Unix() + 600}), 200, "no iat"},
		{"wrong account", "POST", "sip_registration_id=1", sign(jwt.MapClaims{"iss": 5, "iat": now.Unix() - 5, "exp": now.Unix() + 600}), 200, "iss 5 is not this account"},
		{"rules broken", "POST", "sip_registration_id=1&user_id=4", good.Value(), 200, `"code":101`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+"/UpdateSipRegistration?"+tt.query, nil)
			if tt.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+tt.bearer)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got HTTP %d %q, want %d containing %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("the fake recorded %d accepted requests, want only the baseline", n)
	}
}

// TestFakeAcceptsChildAccounts checks iss may name a child account the fake knows.
func TestFakeAcceptsChildAccounts(t *testing.T) {
	srv := newFake(apitest.WithChildAccounts(555))
	defer srv.Close()
	for _, tc := range []struct {
		iss  int64
		want error
	}{{555, nil}, {556, api.CodeAuthorizationFailed}} {
		c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()),
			api.WithAuthOptions(auth.WithAccountID(tc.iss)), api.WithRetryPolicy(api.NoRetries()))
		if err != nil {
			t.Fatal(err)
		}
		err = c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1})
		if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("iss %d: err = %v, want %v", tc.iss, err, tc.want)
		}
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Issuer != 555 {
		t.Errorf("accepted %v, want one request acting for 555", reqs)
	}
}

// TestFakeRecordsPathPrefix makes sure the client keeps the /platform_api prefix: a request to
// the host root would miss the route.
func TestFakeRecordsPathPrefix(t *testing.T) {
	srv := newFake()
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c, _ := api.NewClient(api.WithBaseURL(u.Scheme+"://"+u.Host), api.WithCredentials(srv.Credentials()), api.WithRetryPolicy(api.NoRetries()))
	err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1})
	var re *api.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 404 {
		t.Fatalf("base URL without prefix: err = %v, want a 404 ResponseError", err)
	}
}
