// Package apitest runs a fake Voximplant Management API for tests: yours and ours, in Go
// ([NewServer]) or in any language (voxsip serve, [Serve]).
//
// [NewServer] starts it on a loopback port. Point the real client at it with
// api.WithBaseURL(srv.URL) and api.WithCredentials(srv.Credentials()) (or write
// srv.CredentialsJSON() to a file). It serves every operation of the module's openapi.yaml
// (CreateSipRegistration, GetSipRegistrations, UpdateSipRegistration, BindSipRegistration,
// DeleteSipRegistration) on a store of registrations:
//
//   - Create assigns increasing ids and fills what Get returns (last_updated, purchase_date,
//     next_subscription_renewal a month later and subscription_price from the server's clock,
//     see [WithClock]; a persistent registration is successful with status_code 200 at once, a
//     non-persistent one is not successful until its user logs in, which the fake never sees).
//     Update changes only the parameters sent ("" clears an optional one, see [KeepsEmpty]);
//     binding to a user unbinds that user's previous registration; Bind with bind=false unbinds
//     (without an id, from every registration); Delete removes; Get filters by every parameter
//     of the spec and pages with count and offset, sorted by id, with the number of all matches
//     in count.
//   - Applications, rules and users form a directory. Unseeded, an application, rule or user is
//     created on first reference, by name with the next free id or by id with a name made from
//     it ("application7"), and keeps both for the server's life; so a registration bound by
//     name also has the id, and id filters and "any" find it. Seeded ([Seed], [WithApplications],
//     [WithRules], [WithUsers]), the seeded ones keep their ids and anything else is refused.
//   - The bearer JWT is verified: RS256 signed with the key of the server's credentials, kid
//     equal to the key id, no crit header, iss (a number or a string of digits) equal to the
//     account or a child account, iat and exp JSON numbers, exp - iat at most 3600 s, not
//     expired, not issued in the future and not before its nbf by the server's clock. The scheme
//     name "Bearer" may be in any case. With [WithRole] the key has roles, and an operation
//     whose x-voxsip-roles lists none of them is refused.
//   - Every response the fake writes in the API's name is validated against the spec (a Get's
//     page by its first row); one that is not becomes an HTTP 500 that says so.
//
// # Request shapes
//
// The service accepts requests in more shapes than its reference shows; the fake accepts each
// shape below, decided from the evidence in VOXIMPLANT.md (the project's notes on the official
// clients and the reference pages). Each row has a recorded request under testdata/requests,
// written byte for byte in the shape that client or page sends (from those notes, not captured
// from the clients), replayed by TestOfficialClientLifecycles and TestRequestShapes.
//
//	shape                                   from                              decision
//	query string, POST /platform_api/M      reference pages, voxsip           accepted (the spec's shape)
//	multipart body, POST /platform_api/M    Go, Java, PHP clients             accepted (go/, java/)
//	urlencoded body, cmd=M, POST /platform_api  Python client                 accepted (python/)
//	multipart body, cmd=M, POST /platform_api   Node client                   accepted (node/)
//	empty values: rule_id= user_name= ...   Go client's every Get; Python's   absent (go/2-get,
//	                                        "" for an empty list filter       shapes/empty-values)
//	booleans True/False, TRUE, 1/0          Python client (str(bool))         true/false in any case
//	                                                                          and 1/0 (python/,
//	                                                                          shapes/booleans-any-case)
//	account_id=<account> on every request   Java client, older reference      accepted if it is the
//	                                                                          token's account, else 100
//	                                                                          (java/, shapes/account-id-other)
//	query + Content-Type: application/json  current reference's curl          accepted; a JSON object
//	and -d '{}'                             examples                          body is read as parameters
//	                                                                          (curl/, shapes/json-body-params)
//	trailing slash: /platform_api/M/        older reference                   accepted (shapes/trailing-slash)
//	an unknown parameter (userName)         Node client, for one call         ignored with a warning;
//	                                                                          101 under WithStrict
//	                                                                          (node/4-get-bound,
//	                                                                          shapes/unknown-parameter)
//
// Why: every official client works against the service, so the service accepts what each
// sends; the Go client lists with empty filters, so an empty value must mean "not given"; the
// Python client's booleans are Python's str(); the Java client names the account the pre-JWT
// way. An empty value is the parameter absent everywhere except UpdateSipRegistration's
// optional strings, where "" clears the field (the library documents it, and no official client
// sends an empty value there by accident: the Go client omits empty fields of Update).
//
// An unknown parameter never passes silently: it is named in an X-Apitest-Warning header
// ([WarningHeader]) of the answer, in [Request.Warnings] of the request log, and in voxsip
// serve's log. [WithStrict] (voxsip serve --strict) refuses it with 101 instead, to catch a
// client's typos. A parameter given twice (in the query and the body, say) is refused with 101.
//
// # Answers
//
// Errors come as the API sends them, HTTP 200 with {"error": {"code": N, "msg": "..."}}, the
// code from the spec's ErrorCode list (generated.ErrorCode) and msg a short sentence:
//
//	100  the token is refused; account_id is not the token's account
//	101  a value breaks the contract where no specific code fits (count=0, a boolean that is
//	     not one, a parameter rule such as Bind's "an id or something to unbind", a parameter
//	     given twice, an unreadable body)
//	102  POST /platform_api without cmd
//	103  a method that is not in the spec
//	104  the key's roles (WithRole) do not include one of the operation's x-voxsip-roles (guess)
//	134  a required parameter is missing or empty
//	275, 273, 274  an invalid sip_registration_id (or no such registration), sip_username, proxy
//	     (text with a control character or a byte that is not UTF-8 too, guess; so for 107, 156)
//	116, 107  an invalid or unknown application_id, application_name
//	147, 156  an invalid or unknown rule_id (or one of another application), rule_name
//	117  an invalid or unknown user_id, or an unknown user_name (guess: user_name has no code)
//	393  a user_id that belongs to another application than the one given
//	272  Create beyond [WithMaxRegistrations], or once the largest id is taken: ids never wrap
//
// A path outside /platform_api is an HTTP 404 and a method other than POST an HTTP 405 with
// Allow: POST.
//
// Paging: count is the page size, [DefaultPageSize] (20) when absent; a larger count than
// [MaxPageSize] (1000) is cut to it; count=0 is refused with 101 (the spec's minimum is 1);
// an offset past the end gives an empty page. The response's count is the number of all
// matches. GetSipRegistrations documents neither the default nor the maximum: both are those
// other Management API list methods document.
//
// # Guesses
//
// Which code the service gives each SIP-registration failure is not documented per method;
// the codes above follow the meaning the code has in the official clients' enum, and these are
// guesses: 134 for a missing (not only empty) required parameter; 275 for a registration that
// does not exist; 116/107/147/156/117 for an unknown application, rule or user (558,
// "application is not found", is not used); 117 for user_name; 393 for a user of another
// application; 104 for a role; 272 for the end of the ids. 394 (the registration is persistent)
// is never answered: no documented case needs it. Also guessed: the default and maximum page
// size, that count=0 is refused, that a trailing slash and a JSON object body are read as the
// other shapes are, that account_id is checked against the token's iss, and that sip_username,
// proxy, application_name and rule_name refuse a control character (C0, DEL, C1: a NUL, a
// newline, an escape) or a byte that is not UTF-8 with their code (273, 274, 107, 156); other
// text (auth_user, outbound_proxy, user_name, the password) is taken as sent.
//
// Where it differs from the real service: every msg is the fake's own; registrations never
// expire, renew, get deactivated or charge a balance, and account_info carries only account_id
// and frozen; a registration never goes through "in progress" (only seeded ones can be); GET
// is refused with 405; an operation of the spec the fake does not implement answers HTTP 501
// (never another operation); an enqueued reply ([Server.Enqueue]) replaces the handling, so the
// state does not change; there is no rate limit.
//
// # Speed
//
// Registrations are kept in id order beside a map: a Get without filters reads its page
// straight from the index (one page at 100,000 registrations costs what it costs at 100), a
// filtered Get scans without copying, and Get runs under a read lock, so reads proceed in
// parallel; binding a user finds the user's previous registration through an index too.
// Requests (headers and body) must arrive within [DefaultReadTimeout] (see
// [WithReadTimeout]): a body that trickles is cut off. See BENCHMARKS.md.
//
// # Tests
//
// Tests can seed state ([WithRegistrations], [WithSeed], [Server.Seed]; the JSON seed format is
// [Seed], example in testdata/seed.example.json), read it ([Server.Registrations]), inspect
// what it accepted ([Server.Requests], the last [DefaultLogSize] by default, see
// [WithLogSize]) and make it misbehave ([Server.Enqueue], [Server.EnqueueFor] with [Error],
// [Status], [Reset], [Hang], [Trickle], [Redirect]). The same is reachable over HTTP under
// [AdminPath] (see [Server.AdminURL]). A Server is safe for concurrent use.
package apitest
