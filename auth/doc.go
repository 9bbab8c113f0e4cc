// Package auth loads Voximplant service-account credentials and turns them into the signed JWTs
// that the Management API accepts as "Authorization: Bearer" tokens.
//
// A credentials.json from the control panel (or the whole CreateKey response) is parsed by
// [LoadCredentials], [ParseCredentials] or [CredentialsFromEnv] (which reads the path from
// VOXIMPLANT_CREDENTIALS). [NewTokenSource] then mints RS256 tokens (kid = key id, iss = account
// id, iat backdated by a few seconds, exp at most an hour later) and caches each one until shortly
// before it expires, so a busy client signs about once an hour. [RequestEditor] adds the header
// to outgoing requests.
//
// Secrets stay inside: the private key is unexported, and neither [Credentials] nor [Token] nor
// any error of this package prints key material or a token value.
package auth
