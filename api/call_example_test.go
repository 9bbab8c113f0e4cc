package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// Check parameters without a client, as every call does before sending: each broken rule of
// openapi.yaml, with the parameters at fault.
func ExampleValidate() {
	p := &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, UserName: api.Ptr("alice")}
	fmt.Println(api.Validate(p))
	p.ApplicationName = api.Ptr("pbx")
	fmt.Println(api.Validate(p))
	// Output:
	// voxsip: UpdateSipRegistration: invalid parameters: user_name, application_id, application_name: user_name need application_id or application_name
	// <nil>
}

// Call sends any operation by its parameters and returns the body as the API sent it; the
// parameters can be filled by their API names.
func ExampleClient_Call() {
	srv := apitest.NewServer()
	defer srv.Close()
	client, err := api.NewClient(api.WithCredentials(srv.Credentials()), api.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	p := &api.GetSIPRegistrationsParams{}
	if err := p.SetParam("count", "10"); err != nil {
		log.Fatal(err)
	}
	body, err := client.Call(context.Background(), p)
	if err != nil {
		log.Fatal(err)
	}
	var page api.GetSIPRegistrationsResult
	err = json.Unmarshal(body, &page)
	fmt.Println(page.Count, len(page.Result), err, p.GetCount(), p.GetOffset())
	// Output: 0 0 <nil> 10 0
}
