// Package api is a client for the Voximplant Management API's SIP registration methods:
// CreateSipRegistration, GetSipRegistrations, UpdateSipRegistration, BindSipRegistration and
// DeleteSipRegistration.
//
// Make one [Client] with [NewClient] and share it: it is safe for concurrent use, caches its
// token (one RS256 signature per hour), reuses connections, retries what is safe to retry, and
// never prints a password or a token.
//
//	client, err := api.NewClient(api.WithCredentialsFile("credentials.json"))
//	if err != nil { … }
//	created, err := client.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{
//		SIPUsername: "100200",
//		Proxy:       "sip.example.com",
//	})
//	…
//	err = client.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{
//		SIPRegistrationID: created.SIPRegistrationID,
//		ApplicationID:     api.Ptr(int64(42)),
//		UserName:          api.Ptr("alice"),
//		OutboundProxy:     api.Ptr(""), // clears the outbound proxy
//	})
//	for reg, err := range client.AllSIPRegistrations(ctx, nil) { … }
//
// Every call is built and sent by the client that go generate makes from openapi.yaml (package
// generated), with [auth.RequestEditor] adding the bearer token; this package adds one generic
// path around it for validation, retries, body caps, error types, masking and logging. The
// parameter and result types are the generated types (aliases), so a parameter added to the
// spec reaches users with go generate alone.
//
// Parameters follow the API: nil leaves a field alone, a pointer to "" clears it. The API's
// parameter rules (read from openapi.yaml's x-voxsip-rules) are checked before any request
// ([*ValidationError]). API refusals arrive as [*Error], with codes that errors.Is can match
// ([CodeInvalidArguments] and so on); other bad responses as [*ResponseError]. A call that is not
// idempotent (CreateSipRegistration) is retried only when the API provably did nothing; when it
// may have acted without saying so, its error matches [ErrOutcomeUnknown].
//
// # Secrets in errors and logs
//
// Errors, log lines (see [WithLogger]), printed values and the JSON encoding of every Params
// struct mask the bearer token and every parameter that openapi.yaml marks format: password
// with "***". A server or proxy may echo a request back, so the client masks by decoding rather
// than by listing encodings: it decodes what the server returned (JSON string escapes, HTML named
// and numeric references, URL escapes with "+" for a space, again on the result for double
// escaping; compared case folded, in Unicode compatibility-decomposed form and with invisible
// characters left out) and masks any text that decodes to the password, the token or one of the
// token's three parts; it also masks the value of a "password=" query parameter wherever one
// appears. A text that still shows a piece of a secret is withheld whole.
// What it cannot promise: an echo that is not an escaping (base64, say) is not recognised, and a
// very short password is masked wherever its characters appear, which may garble a message.
//
// For tests, package [github.com/voxsip/voxsip/api/apitest] runs a fake Management API that
// checks every request against the OpenAPI document; point the client at it with [WithBaseURL].
package api
