package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/internal/params"
)

// needsApplication lists the parameters the rules only allow with an application.
var needsApplication = map[string]bool{"rule_name": true, "user_id": true, "user_name": true}

// TestContractEveryParameter drives the real client through every parameter the spec has (read
// from the generated type, so a new parameter is covered by go generate alone): unset, set, and
// (for strings) set to the empty string. The fake validates each request against openapi.yaml;
// what it decoded must equal what was sent.
func TestContractEveryParameter(t *testing.T) {
	c, srv, _ := setup(t)
	ctx := context.Background()
	send := func(t *testing.T, p api.UpdateSIPRegistrationParams) {
		t.Helper()
		before := len(srv.Requests())
		if err := c.UpdateSIPRegistration(ctx, &p); err != nil {
			t.Fatalf("UpdateSIPRegistration: %v", err)
		}
		reqs := srv.Requests()
		if len(reqs) != before+1 {
			t.Fatalf("the fake accepted %d requests, want 1", len(reqs)-before)
		}
		if got := reqs[len(reqs)-1].Params; !reflect.DeepEqual(got, p) {
			t.Errorf("the fake decoded\n  %v\nwant\n  %v", apitest.Request{Params: got}, apitest.Request{Params: p})
		}
	}

	t.Run("only the required id", func(t *testing.T) {
		send(t, api.UpdateSIPRegistrationParams{SIPRegistrationID: 1})
	})
	for _, f := range params.Fields {
		if f.Required {
			continue
		}
		values := map[string]string{"set": "7"}
		if !f.Integer {
			values = map[string]string{"set": "value of " + f.Name, "empty": "", "special": "a b&c=d+e%f/?#ü"}
		}
		for kind, value := range values {
			t.Run(f.Name+"/"+kind, func(t *testing.T) {
				p := api.UpdateSIPRegistrationParams{SIPRegistrationID: 123456789012}
				if err := params.Set(&p, f.Name, value); err != nil {
					t.Fatal(err)
				}
				if needsApplication[f.Name] {
					p.ApplicationID = api.Ptr(int64(5))
				}
				send(t, p)
			})
		}
	}
	t.Run("everything at once", func(t *testing.T) {
		send(t, api.UpdateSIPRegistrationParams{
			SIPRegistrationID: 9, SIPUsername: api.Ptr("alice"), Proxy: api.Ptr("sip.example.com"),
			AuthUser: api.Ptr("alice-auth"), OutboundProxy: api.Ptr(""), Password: api.Ptr("pa ss&word"),
			ApplicationName: api.Ptr("app"), RuleID: api.Ptr(int64(3)), UserID: api.Ptr(int64(4)),
		})
	})
	if ua := lastRequest(t, srv).UserAgent; !strings.HasPrefix(ua, "voxsip/"+api.Version+" (go") {
		t.Errorf("User-Agent = %q, want voxsip/%s (go…)", ua, api.Version)
	}
}

// TestContractFakeRefusesBadRequests sends hand-made requests that break the contract.
func TestContractFakeRefusesBadRequests(t *testing.T) {
	key := testKey(t)
	srv := apitest.NewServer(apitest.WithKey(key))
	defer srv.Close()
	src, err := auth.NewTokenSource(srv.Credentials())
	if err != nil {
		t.Fatal(err)
	}
	good, _ := src.Token(context.Background())
	otherServer := apitest.NewServer(apitest.WithKey(key)) // same key, another key id
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
		{"wrong type", "POST", "sip_registration_id=abc", good.Value(), 400, "sip_registration_id"},
		{"integer overflow", "POST", "sip_registration_id=1&application_id=99999999999999999999", good.Value(), 400, "application_id"},
		{"missing required id", "POST", "proxy=x", good.Value(), 400, "sip_registration_id"},
		{"unknown parameter", "POST", "sip_registration_id=1&pasword=x", good.Value(), 400, `unknown query parameter "pasword"`},
		{"repeated parameter", "POST", "sip_registration_id=1&proxy=a&proxy=b", good.Value(), 400, `"proxy" given 2 times`},
		{"GET instead of POST", "GET", "sip_registration_id=1", good.Value(), 405, "method not allowed"},
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
	srv := apitest.NewServer(apitest.WithChildAccounts(555))
	defer srv.Close()
	for _, tc := range []struct {
		iss  int64
		want error
	}{{555, nil}, {556, api.CodeAuthorizationFailed}} {
		c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()),
			api.WithAuthOptions(auth.WithAccountID(tc.iss)), api.WithRetryPolicy(api.NoRetries))
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
	srv := apitest.NewServer()
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c, _ := api.NewClient(api.WithBaseURL(u.Scheme+"://"+u.Host), api.WithCredentials(srv.Credentials()), api.WithRetryPolicy(api.NoRetries))
	err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1})
	var re *api.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 404 {
		t.Fatalf("base URL without prefix: err = %v, want a 404 ResponseError", err)
	}
}
