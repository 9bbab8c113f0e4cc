package api_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
)

var newReg = &api.CreateSIPRegistrationParams{SIPUsername: "100200", Proxy: "sip.example.com", Password: api.Ptr("pw")}

// Retry safety is per operation: Create is retried only when the API provably did nothing.
func TestRetrySafetyPerOperation(t *testing.T) {
	html := http.Header{"Content-Type": []string{"text/html"}}
	t.Run("Create_against_502_sends_exactly_one_request", func(t *testing.T) {
		c, srv, s := setup(t)
		srv.Enqueue(apitest.Status(502, html, "<html>bad gateway</html>"))
		_, err := c.CreateSIPRegistration(context.Background(), newReg)
		if n := len(srv.Requests()); n != 1 || len(s.got()) != 0 {
			t.Fatalf("%d requests, waits %v; want exactly one request", n, s.got())
		}
		var re *api.ResponseError
		if !errors.As(err, &re) || re.StatusCode != 502 || !errors.Is(err, api.ErrOutcomeUnknown) {
			t.Fatalf("err = %v, want the 502 marked ErrOutcomeUnknown", err)
		}
		if !strings.Contains(err.Error(), "not idempotent") || !strings.Contains(err.Error(), "GetSipRegistrations") {
			t.Errorf("error %q does not say why it was not retried and what to do", err)
		}
	})
	t.Run("Create_after_a_reset_once_sent_is_not_retried", func(t *testing.T) {
		c, srv, _ := setup(t)
		srv.Enqueue(apitest.Reset())
		_, err := c.CreateSIPRegistration(context.Background(), newReg)
		if n := len(srv.Requests()); n != 1 || !errors.Is(err, api.ErrOutcomeUnknown) {
			t.Fatalf("%d requests, err = %v; want one request and ErrOutcomeUnknown", n, err)
		}
	})
	t.Run("Create_against_429_then_success_sends_two", func(t *testing.T) {
		c, srv, s := setup(t)
		srv.Enqueue(apitest.Status(429, http.Header{"Retry-After": []string{"2"}}, ""))
		res, err := c.CreateSIPRegistration(context.Background(), newReg)
		if err != nil || res.SIPRegistrationID <= 0 || len(srv.Requests()) != 2 {
			t.Fatalf("res %+v, err %v after %d requests; want success on the second", res, err, len(srv.Requests()))
		}
		if w := s.got(); len(w) != 1 || w[0].Seconds() != 2 {
			t.Errorf("waits %v, want the 2s Retry-After", w)
		}
	})
	for _, code := range []api.ErrorCode{api.CodeConcurrentLimitExceeded, api.CodeRateLimitExceeded} {
		t.Run(fmt.Sprintf("Create_against_code_%d_then_success_sends_two", code), func(t *testing.T) {
			c, srv, _ := setup(t)
			srv.Enqueue(apitest.Error(int(code), "slow down"))
			if _, err := c.CreateSIPRegistration(context.Background(), newReg); err != nil || len(srv.Requests()) != 2 {
				t.Fatalf("err %v after %d requests; want success on the second", err, len(srv.Requests()))
			}
		})
	}
	t.Run("Create_against_code_162_is_not_retried", func(t *testing.T) {
		c, srv, _ := setup(t)
		srv.Enqueue(apitest.Error(int(api.CodeTryLater), "try later"))
		_, err := c.CreateSIPRegistration(context.Background(), newReg)
		if !errors.Is(err, api.CodeTryLater) || len(srv.Requests()) != 1 || errors.Is(err, api.ErrOutcomeUnknown) {
			t.Fatalf("err %v after %d requests; want code 162 at once, not marked unknown (the API answered)", err, len(srv.Requests()))
		}
	})
	t.Run("Create_after_a_refused_connection_is_retried", func(t *testing.T) {
		srv := newFake()
		t.Cleanup(srv.Close)
		var dials atomic.Int64
		tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
		t.Cleanup(tr.CloseIdleConnections)
		c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()), api.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		s := &sleeps{}
		api.SetTimeForTest(c, nil, s.sleep)
		if _, err := c.CreateSIPRegistration(context.Background(), newReg); err != nil || dials.Load() != 2 || len(srv.Requests()) != 1 {
			t.Fatalf("err %v, %d dials, %d requests; want success after one refused dial", err, dials.Load(), len(srv.Requests()))
		}
	})
	t.Run("Update_against_502_502_success_sends_three", func(t *testing.T) {
		c, srv, s := setup(t)
		srv.Enqueue(apitest.Status(502, html, "x"), apitest.Status(502, html, "x"))
		if err := c.UpdateSIPRegistration(context.Background(), one); err != nil || len(srv.Requests()) != 3 || len(s.got()) != 2 {
			t.Fatalf("err %v after %d requests, waits %v; want success on the third", err, len(srv.Requests()), s.got())
		}
	})
	for _, op := range []string{"Get", "Bind", "Delete"} {
		t.Run(op+"_against_503_then_success_sends_two", func(t *testing.T) {
			c, srv, _ := setup(t)
			srv.Enqueue(apitest.Status(503, html, "x"))
			var err error
			switch op {
			case "Get":
				_, err = c.GetSIPRegistrations(context.Background(), nil)
			case "Bind":
				err = c.BindSIPRegistration(context.Background(), &api.BindSIPRegistrationParams{Bind: api.Ptr(false), UserID: api.Ptr(int64(3)), ApplicationID: api.Ptr(int64(1))})
			case "Delete":
				err = c.DeleteSIPRegistration(context.Background(), &api.DeleteSIPRegistrationParams{SIPRegistrationID: 1})
			}
			if err != nil || len(srv.Requests()) != 2 {
				t.Fatalf("err %v after %d requests; want success on the second", err, len(srv.Requests()))
			}
		})
	}
}

// The parameter rules of each operation are checked before any I/O.
func TestValidationBeforeIOForEveryOperation(t *testing.T) {
	c, err := api.NewClient(api.WithCredentials(testCreds(t)), api.WithHTTPClient(&http.Client{Transport: failingTransport{t}}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	checks := map[string]error{}
	_, checks["create: empty proxy"] = c.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "u"})
	_, checks["create: user without application"] = c.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p", UserID: api.Ptr(int64(1))})
	_, checks["get: negative offset"] = c.GetSIPRegistrations(ctx, &api.GetSIPRegistrationsParams{Offset: api.Ptr(int64(-1))})
	_, checks["get: bad id list"] = c.GetSIPRegistrations(ctx, &api.GetSIPRegistrationsParams{UserID: api.Ptr("1;x")})
	checks["bind: no id"] = c.BindSIPRegistration(ctx, &api.BindSIPRegistrationParams{ApplicationID: api.Ptr(int64(1))})
	checks["bind: nil"] = c.BindSIPRegistration(ctx, nil)
	checks["delete: no id"] = c.DeleteSIPRegistration(ctx, &api.DeleteSIPRegistrationParams{})
	for name, err := range checks {
		var ve *api.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: err = %v, want *api.ValidationError", name, err)
		}
	}
	if err := api.ValidateBindSIPRegistration(&api.BindSIPRegistrationParams{Bind: api.Ptr(false), UserName: api.Ptr("u"), ApplicationName: api.Ptr("a")}); err != nil {
		t.Errorf("unbinding a user from all registrations needs no id, got %v", err)
	}
}

// vaultDown is a token source that fetches tokens over HTTP and fails with a *url.Error, as an
// HTTP client does.
type vaultDown struct{}

func (vaultDown) Token(context.Context) (auth.Token, error) {
	return auth.Token{}, &url.Error{Op: "Post", URL: "https://vault.example/token", Err: errors.New("vault unavailable")}
}

// A Create whose token could not be had was never sent: its error must not claim that it may
// have taken effect, even when the token source's error is a *url.Error like a sent request's.
func TestCreateWithoutATokenIsNotOutcomeUnknown(t *testing.T) {
	srv := newFake()
	t.Cleanup(srv.Close)
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(vaultDown{}))
	if err != nil {
		t.Fatal(err)
	}
	api.SetTimeForTest(c, nil, (&sleeps{}).sleep)
	_, err = c.CreateSIPRegistration(context.Background(), newReg)
	if err == nil || errors.Is(err, api.ErrOutcomeUnknown) || strings.Contains(err.Error(), "may have taken effect") {
		t.Fatalf("err = %v; want the token failure, not marked ErrOutcomeUnknown", err)
	}
	if !strings.Contains(err.Error(), "vault unavailable") || len(srv.Requests()) != 0 {
		t.Fatalf("err = %v after %d requests; want the cause and no request", err, len(srv.Requests()))
	}
}
