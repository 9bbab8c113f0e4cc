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
//     Update changes only the parameters sent ("" clears an optional one); binding to a user
//     unbinds that user's previous registration; Bind with bind=false unbinds (without an id,
//     from every registration); Delete removes; Get filters by every parameter of the spec and
//     pages with count and offset (page size [DefaultPageSize] when count is not given), sorted
//     by id, with the number of all matches in count.
//   - Applications, rules and users are kept as sent (names and ids) unless the server is
//     seeded with them ([Seed], [WithApplications], [WithRules], [WithUsers]): then unknown ones
//     are refused and each id gets its name and each name its id.
//   - Requests arrive in any shape an official client uses: parameters in the query string, in
//     an application/x-www-form-urlencoded or a multipart/form-data body, at
//     POST /platform_api/<Method> or at POST /platform_api with a cmd parameter. Each shape is
//     mapped onto one canonical query-string request, which is validated against openapi.yaml
//     with kin-openapi and decoded with the generated Params types.
//   - The bearer JWT is verified: RS256 signed with the key of the server's credentials, kid
//     equal to the key id, iss (a number or a string of digits) equal to the account or a
//     child account, iat and exp present, exp - iat at most 3600 s, not expired and not issued
//     in the future by the server's clock. The scheme name "Bearer" may be in any case.
//   - Every response the fake writes in the API's name is validated against the spec as well;
//     one that is not becomes an HTTP 500 that says so.
//
// Errors come as the API sends them, HTTP 200 with {"error": {"code": N, "msg": "..."}}:
// 100 when the token is refused; 101 when the request breaks the
// contract (a missing required parameter, a wrong type, an unknown parameter, one given twice;
// msg carries kin-openapi's explanation), breaks a parameter rule, or names a registration (or a
// seeded application, rule or user) that does not exist; 102 for /platform_api without cmd; 103
// for a method that is not in the spec; 272 beyond [WithMaxRegistrations]. A path outside
// /platform_api is an HTTP 404 and a method other than POST an HTTP 405 with Allow: POST.
//
// Where it differs from the real service: the not-found and unknown-reference codes (101) and
// every msg are the fake's own (the real codes are not documented); registrations never expire,
// renew, get deactivated or charge a balance, and account_info carries only account_id and
// frozen; a registration never goes through "in progress" (only seeded ones can be); roles are
// not checked (every token may do everything); GET is refused with 405; an operation of the spec
// the fake does not implement answers HTTP 501 (never another operation); an enqueued reply
// ([Server.Enqueue]) replaces the handling, so the state does not change; there is no rate
// limit.
//
// Tests can seed state ([WithRegistrations], [WithSeed], [Server.Seed]), read it
// ([Server.Registrations]), inspect what it accepted ([Server.Requests], the last
// [DefaultLogSize] by default, see [WithLogSize]) and make it misbehave ([Server.Enqueue],
// [Server.EnqueueFor] with [Error], [Status], [Reset], [Hang], [Trickle], [Redirect]). The same
// is reachable over HTTP under [AdminPath] (see [Server.AdminURL]). A Server is safe for
// concurrent use.
package apitest
