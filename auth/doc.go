// Package auth loads Voximplant service-account credentials and turns them into the signed JWTs
// that the Management API accepts as "Authorization: Bearer" tokens.
//
// A credentials.json from the control panel (or the whole CreateKey response) is parsed by
// [LoadCredentials], [ParseCredentials] or [CredentialsFromEnv] (which reads the path from
// VOXIMPLANT_CREDENTIALS). The key may be PKCS#8 or PKCS#1, and a leading UTF-8 byte order mark
// (as Notepad writes) is skipped. Input over [MaxCredentialsBytes] (64 KiB; a real file is about
// 2 KiB) is refused, and [LoadCredentials] reads no more than that, so a wrong path such as a
// device or a directory fails at once with a [CredentialsError] naming it.
//
// [NewTokenSource] then mints RS256 tokens (kid = key id, iss = account id, iat backdated by a
// few seconds, exp at most an hour later) and caches each one until shortly before it expires,
// so a busy client signs about once an hour. When the server refuses a token, pass it to
// [CachingSource.Invalidate]; it compares token values, so a Token rebuilt with [NewToken] from
// the request's Authorization header will do. [RequestEditor] adds the header to outgoing
// requests.
//
// Secrets stay inside: the private key is unexported, and neither [Credentials] nor [Token] nor
// any error of this package prints key material or a token value.
package auth
