// Package api is a client for the Voximplant Management API's SIP registration methods,
// starting with UpdateSipRegistration.
//
// Make one [Client] with [NewClient] and share it: it is safe for concurrent use, caches its
// token (one RS256 signature per hour), reuses connections, retries what is safe to retry, and
// never prints a password or a token.
//
//	client, err := api.NewClient(api.WithCredentialsFile("credentials.json"))
//	if err != nil { … }
//	err = client.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{
//		SIPRegistrationID: 1,
//		ApplicationID:     api.Ptr(int64(42)),
//		UserName:          api.Ptr("alice"),
//		OutboundProxy:     api.Ptr(""), // clears the outbound proxy
//	})
//
// Parameters follow the API: nil leaves a field alone, a pointer to "" clears it. The API's
// parameter rules are checked before any request ([*ValidationError]). API refusals arrive as
// [*Error], with codes that errors.Is can match ([CodeInvalidArguments] and so on); other bad
// responses as [*ResponseError].
//
// # Secrets in errors and logs
//
// Errors, log lines (see [WithLogger]) and printed values mask the bearer token and every
// password parameter with "***". A server or proxy may echo a request back, so the client masks
// the password as sent and in the forms an echo plausibly takes: query- and path-escaped (upper-
// or lower-case hex, "+" or "%20" for spaces), JSON-escaped, HTML-escaped, and with invalid UTF-8
// replaced by U+FFFD; and it masks the value of a "password=" query parameter wherever one appears.
// What it cannot promise: a password echoed in some other encoding (base64, say) is not
// recognised, and a very short password is masked wherever its characters appear, which may
// garble a message.
//
// For tests, package [github.com/voxsip/voxsip/api/apitest] runs a fake Management API that
// checks every request against the OpenAPI document; point the client at it with [WithBaseURL].
package api
