package api_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// A client made from a credentials file. Here the file is the fake API's; with a real account it
// is the credentials.json the control panel saved (or set VOXIMPLANT_CREDENTIALS and pass no
// credential option).
func ExampleNewClient() {
	srv := apitest.NewServer() // stands in for api.voximplant.com
	defer srv.Close()
	path := writeTemp(srv.CredentialsJSON())
	defer os.Remove(path)

	client, err := api.NewClient(
		api.WithCredentialsFile(path),
		api.WithBaseURL(srv.URL), // omit to talk to the real API
	)
	if err != nil {
		log.Fatal(err)
	}
	created, err := client.CreateSIPRegistration(context.Background(), &api.CreateSIPRegistrationParams{
		SIPUsername: "100200",
		Proxy:       "sip.example.com",
	})
	fmt.Println("error:", err, "id:", created.SIPRegistrationID)
	// Output: error: <nil> id: 1
}

// Bind a registration to an application and a user (which unbinds that user's previous
// registration), and clear its outbound proxy by sending an empty string.
func ExampleClient_UpdateSIPRegistration() {
	srv := apitest.NewServer()
	defer srv.Close()
	client, err := api.NewClient(api.WithCredentials(srv.Credentials()), api.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	created, err := client.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{
		SIPUsername: "100200", Proxy: "sip.example.com", OutboundProxy: api.Ptr("edge.example.com"),
	})
	if err != nil {
		log.Fatal(err)
	}

	err = client.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{
		SIPRegistrationID: created.SIPRegistrationID,
		ApplicationName:   api.Ptr("call-center"),
		UserName:          api.Ptr("alice"),
		OutboundProxy:     api.Ptr(""), // "" clears the field; nil would leave it alone
		Password:          api.Ptr("correct horse"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.Requests()[1])
	// Output: UpdateSipRegistration sip_registration_id="1" outbound_proxy="" password="***" application_name="call-center" user_name="alice" (iss=1000001)
}

// API refusals are *api.Error values; errors.Is matches their code. Parameters that break the
// API's rules are refused before any request, as *api.ValidationError.
func ExampleError() {
	srv := apitest.NewServer()
	defer srv.Close()
	client, err := api.NewClient(api.WithCredentials(srv.Credentials()), api.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	srv.FailNext(int(api.CodeTooManySIPRegistrations), "Maximum number of SIP registrations exceeded")
	_, err = client.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "100200", Proxy: "sip.example.com"})
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		fmt.Println("code:", int(apiErr.Code), "message:", apiErr.Message)
	}
	fmt.Println("too many registrations:", errors.Is(err, api.CodeTooManySIPRegistrations))

	err = client.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: 7, UserID: api.Ptr(int64(3))})
	var invalid *api.ValidationError
	if errors.As(err, &invalid) {
		fmt.Println("invalid:", invalid.Params())
	}
	// Output:
	// code: 272 message: Maximum number of SIP registrations exceeded
	// too many registrations: true
	// invalid: [user_id application_id application_name]
}

// Check parameters against the API's rules without a client or a request, e.g. for a form or a
// dry run.
func ExampleValidateUpdateSIPRegistration() {
	err := api.ValidateUpdateSIPRegistration(&api.UpdateSIPRegistrationParams{
		SIPRegistrationID: 3,
		RuleName:          api.Ptr("inbound"),
	})
	fmt.Println(err)
	// Output: voxsip: UpdateSipRegistration: invalid parameters: rule_name, application_id, application_name: rule_name need application_id or application_name
}

// The whole lifecycle of a registration: create it, find it, change it, bind it to a user, and
// delete it.
func Example_lifecycle() {
	srv := apitest.NewServer() // stands in for api.voximplant.com
	defer srv.Close()
	client, err := api.NewClient(api.WithCredentials(srv.Credentials()), api.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	created, err := client.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{
		SIPUsername: "100200",
		Proxy:       "sip.example.com",
		Password:    api.Ptr("correct horse"),
	})
	if err != nil {
		log.Fatal(err)
	}
	id := created.SIPRegistrationID

	for reg, err := range client.AllSIPRegistrations(ctx, &api.GetSIPRegistrationsParams{SIPUsername: api.Ptr("100200")}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("found", reg.SIPRegistrationID, reg.SIPUsername, reg.Proxy)
	}
	if err := client.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{
		SIPRegistrationID: id, OutboundProxy: api.Ptr("edge.example.com"),
	}); err != nil {
		log.Fatal(err)
	}
	if err := client.BindSIPRegistration(ctx, &api.BindSIPRegistrationParams{
		SIPRegistrationID: &id, ApplicationName: api.Ptr("call-center"), UserName: api.Ptr("alice"),
	}); err != nil {
		log.Fatal(err)
	}
	page, err := client.GetSIPRegistrations(ctx, &api.GetSIPRegistrationsParams{SIPRegistrationID: &id})
	if err != nil {
		log.Fatal(err)
	}
	reg := page.Result[0]
	fmt.Println("outbound proxy", *reg.OutboundProxy, "user", *reg.UserName)

	if err := client.DeleteSIPRegistration(ctx, &api.DeleteSIPRegistrationParams{SIPRegistrationID: id}); err != nil {
		log.Fatal(err)
	}
	err = client.DeleteSIPRegistration(ctx, &api.DeleteSIPRegistrationParams{SIPRegistrationID: id})
	var apiErr *api.Error
	fmt.Println("deleted twice is an API error:", errors.As(err, &apiErr))
	// Output:
	// found 1 100200 sip.example.com
	// outbound proxy edge.example.com user alice
	// deleted twice is an API error: true
}

// Creating a registration costs a month's fee, so a Create is never retried blindly: after an
// answer that leaves it unknown whether the API acted (here a 502 from a proxy), the error
// matches api.ErrOutcomeUnknown, and the registrations are listed before creating again.
func ExampleClient_CreateSIPRegistration() {
	srv := apitest.NewServer()
	defer srv.Close()
	client, err := api.NewClient(api.WithCredentials(srv.Credentials()), api.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	p := &api.CreateSIPRegistrationParams{SIPUsername: "100200", Proxy: "sip.example.com"}

	srv.EnqueueFor("CreateSipRegistration", apitest.Status(502, nil, "<html>Bad Gateway</html>"))
	_, err = client.CreateSIPRegistration(ctx, p)
	fmt.Println("outcome unknown:", errors.Is(err, api.ErrOutcomeUnknown), "requests:", len(srv.Requests()))

	n := 0
	for _, err := range client.AllSIPRegistrations(ctx, &api.GetSIPRegistrationsParams{SIPUsername: &p.SIPUsername}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	if n == 0 { // it was not created: create it now
		created, err := client.CreateSIPRegistration(ctx, p)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("created", created.SIPRegistrationID)
	}
	// Output:
	// outcome unknown: true requests: 1
	// created 1
}
