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

// In a user's test: start the fake, point the client at it, run the code under test, then check
// what the fake received. Enqueue makes the next call fail the way the real API can.
func ExampleNewServer() {
	srv := apitest.NewServer()
	defer srv.Close()
	client, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	if err := registerPhone(ctx, client, 10, "bob"); err != nil {
		log.Fatal(err)
	}
	got := srv.Requests()[0].Params
	fmt.Println(got.SIPRegistrationID, *got.ApplicationName, *got.UserName)

	srv.Enqueue(apitest.Error(int(api.CodeForbiddenCommand), "Forbidden"))
	err = registerPhone(ctx, client, 11, "carol")
	fmt.Println(errors.Is(err, api.CodeForbiddenCommand))
	// Output:
	// 10 phones bob
	// true
}
