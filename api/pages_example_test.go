package api_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// Walk every registration, page by page. The walk always ends: here the client's row limit is
// set to 2 for the example, and the third registration ends it with an *api.PagingError that
// names the limit (the default, api.DefaultMaxListRows, is far more than an account holds).
func ExampleClient_AllSIPRegistrations() {
	srv := apitest.NewServer() // stands in for api.voximplant.com
	defer srv.Close()
	client, err := api.NewClient(api.WithCredentials(srv.Credentials()), api.WithBaseURL(srv.URL), api.WithMaxListRows(2))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, user := range []string{"100", "200", "300"} {
		if _, err := client.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: user, Proxy: "sip.example.com"}); err != nil {
			log.Fatal(err)
		}
	}
	for reg, err := range client.AllSIPRegistrations(ctx, nil) {
		var pe *api.PagingError
		switch {
		case errors.As(err, &pe) && pe.Limit > 0:
			fmt.Println("incomplete: the walk stopped at its limit of", pe.Limit)
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Println(reg.SIPRegistrationID, reg.SIPUsername)
		}
	}
	// Output:
	// 1 100
	// 2 200
	// incomplete: the walk stopped at its limit of 2
}
