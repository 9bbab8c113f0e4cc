package apitest_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
)

func newClient(t *testing.T, srv *apitest.Server) *api.Client {
	t.Helper()
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()), api.WithRetryPolicy(api.NoRetries))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCredentialsJSONParsesToTheServersAccount(t *testing.T) {
	srv := apitest.NewServer(apitest.WithAccountID(31337))
	defer srv.Close()
	c, err := auth.ParseCredentials(srv.CredentialsJSON())
	if err != nil {
		t.Fatal(err)
	}
	if c.AccountID != 31337 || c.KeyID != srv.Credentials().KeyID || srv.AccountID() != 31337 {
		t.Errorf("credentials %v, want account 31337 and the server's key id", c)
	}
	other := apitest.NewServer()
	defer other.Close()
	if other.Credentials().KeyID == srv.Credentials().KeyID {
		t.Error("two servers share a key id: a token for one would pass the other")
	}
}

func TestEnqueuedRepliesAreUsedInOrder(t *testing.T) {
	srv := apitest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	srv.Enqueue(apitest.Error(340, "Rate limit"), apitest.Error(416, "Repeat later"))
	ctx := context.Background()

	// A request the client refuses before sending does not consume a reply.
	if err := c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{}); err == nil {
		t.Fatal("invalid params accepted")
	}
	var got []error
	for range 3 {
		got = append(got, c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1}))
	}
	if !errors.Is(got[0], api.CodeRateLimitExceeded) || !errors.Is(got[1], api.CodeRepeatLater) || got[2] != nil {
		t.Errorf("got %v, want 340, 416, then success", got)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d requests recorded, want 3 (failed ones count)", n)
	}
}

func TestCloseReleasesHangingRequests(t *testing.T) {
	srv := apitest.NewServer()
	srv.Enqueue(apitest.Hang())
	c := newClient(t, srv)
	errc := make(chan error, 1)
	go func() {
		errc <- c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1})
	}()
	for len(srv.Requests()) == 0 {
		runtime.Gosched()
	}
	srv.Close() // must not wait for the hanging handler forever
	if err := <-errc; err == nil {
		t.Error("the hung request succeeded")
	}
}

func TestRequestPrintsNoPassword(t *testing.T) {
	srv := apitest.NewServer()
	defer srv.Close()
	c := newClient(t, srv)
	if err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr("hunter2")}); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if *r.Params.Password != "hunter2" {
		t.Fatalf("recorded password %q, want the one sent", *r.Params.Password)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{r, &r, []apitest.Request{r}} {
			if out := sprintf(verb, v); contains(out, "hunter2") {
				t.Errorf("%s of %T prints the password: %s", verb, v, out)
			}
		}
	}
}

func TestUnknownPathAndMethod(t *testing.T) {
	srv := apitest.NewServer()
	defer srv.Close()
	for path, want := range map[string]int{"/platform_api/GetSipRegistrations": 404, "/": 404} {
		resp, err := srv.Client().Post(srv.URL[:len(srv.URL)-len(apitest.BasePath)]+path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("POST %s: HTTP %d, want %d", path, resp.StatusCode, want)
		}
	}
	resp, err := http.Get(srv.URL + "/UpdateSipRegistration?sip_registration_id=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET: HTTP %d, want 405", resp.StatusCode)
	}
}
