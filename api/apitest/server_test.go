package apitest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/internal/testutil"
)

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
	srv := start(t, apitest.WithRegistrationIDs(1))
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
	arrived := make(chan apitest.Request, 1)
	srv := apitest.NewServer(apitest.WithRegistrationIDs(1), apitest.OnRequest(func(r apitest.Request) { arrived <- r }))
	srv.Enqueue(apitest.Hang())
	c := newClient(t, srv)
	errc := make(chan error, 1)
	go func() {
		errc <- c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1})
	}()
	testutil.Recv(t, arrived, "the request to arrive")
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	testutil.Recv(t, closed, "Close to return while a request hangs")
	if err := testutil.Recv(t, errc, "the hung call to end"); err == nil {
		t.Error("the hung request succeeded")
	}
}

func TestRequestPrintsNoPassword(t *testing.T) {
	srv := start(t, apitest.WithRegistrationIDs(1))
	c := newClient(t, srv)
	if err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr("hunter2")}); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if p := r.Params.(*api.UpdateSIPRegistrationParams); *p.Password != "hunter2" {
		t.Fatalf("recorded password %q, want the one sent", *p.Password)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{r, &r, []apitest.Request{r}} {
			if out := sprintf(verb, v); contains(out, "hunter2") {
				t.Errorf("%s of %T prints the password: %s", verb, v, out)
			}
		}
	}
}
