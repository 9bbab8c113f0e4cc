package apitest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// registerPhone is the code under test: what a user of voxsip writes.
func registerPhone(ctx context.Context, c *api.Client, id int64, user string) error {
	return c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{
		SIPRegistrationID: id,
		ApplicationName:   api.Ptr("phones"),
		UserName:          api.Ptr(user),
	})
}

// In a user's test: start the fake with the registrations the test needs, point the client at
// it, run the code under test, then check the fake's state and what it received. Enqueue makes
// the next call fail the way the real API can.
func ExampleNewServer() {
	srv := apitest.NewServer(apitest.WithRegistrationIDs(10, 11))
	defer srv.Close()
	client, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	if err := registerPhone(ctx, client, 10, "bob"); err != nil {
		log.Fatal(err)
	}
	reg := srv.Registrations()[0]
	fmt.Println(reg.SIPRegistrationID, *reg.ApplicationName, *reg.UserName)
	got := srv.Requests()[0].Params.(*api.UpdateSIPRegistrationParams)
	fmt.Println(got.SIPRegistrationID, *got.UserName)

	srv.Enqueue(apitest.Error(int(api.CodeForbiddenCommand), "Forbidden"))
	err = registerPhone(ctx, client, 11, "carol")
	fmt.Println(errors.Is(err, api.CodeForbiddenCommand))

	err = registerPhone(ctx, client, 12, "dave") // no such registration
	var apiErr *api.Error
	fmt.Println(errors.As(err, &apiErr) && apiErr.Code == 275) // the service's "invalid registration id"
	// Output:
	// 10 phones bob
	// 10 bob
	// true
	// true
}

// Per-operation faults: only CreateSipRegistration fails; the other operations go on working.
func ExampleServer_EnqueueFor() {
	srv := apitest.NewServer(apitest.WithRegistrationIDs(1))
	defer srv.Close()
	client, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()),
		api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	srv.EnqueueFor("CreateSipRegistration", apitest.Status(502, nil, "bad gateway"))

	err = client.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Proxy: api.Ptr("sip.example.org")})
	fmt.Println("update:", err)
	_, err = client.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "alice", Proxy: "sip.example.org"})
	var respErr *api.ResponseError
	fmt.Println("create failed with a ResponseError:", errors.As(err, &respErr))
	fmt.Println("registrations:", len(srv.Registrations()))
	// Output:
	// update: <nil>
	// create failed with a ResponseError: true
	// registrations: 1
}

// The README's example: the code under test sees the failure the fake returns. The default
// retry policy would retry a rate limit (code 340) away and the code would see success, so the
// client makes one attempt per call (NoRetries; or queue as many replies as it makes attempts).
func Example_failureSeenByTheCodeUnderTest() {
	srv := apitest.NewServer(apitest.WithRegistrationIDs(10)) // start with registration 10
	defer srv.Close()
	client, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()),
		api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The next update gets this, and the code under test sees it.
	srv.EnqueueFor("UpdateSipRegistration", apitest.Error(340, "Rate limit exceeded"))
	err = registerPhone(ctx, client, 10, "bob")
	fmt.Println("rate limited:", errors.Is(err, api.CodeRateLimitExceeded))
	fmt.Println("bound:", srv.Registrations()[0].UserName != nil, "after", len(srv.Requests()), "request")

	err = registerPhone(ctx, client, 10, "bob") // the queue is empty: this one succeeds
	fmt.Println("second try:", err, *srv.Registrations()[0].UserName)
	// Output:
	// rate limited: true
	// bound: false after 1 request
	// second try: <nil> bob
}
