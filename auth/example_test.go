package auth_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
)

// Mint a token to use with curl: Authorization: Bearer <token>. The clock is fixed here so that
// the output is stable; leave WithClock out in real code.
func ExampleNewTokenSource() {
	srv := apitest.NewServer() // stands in for your credentials.json
	defer srv.Close()
	creds, err := auth.ParseCredentials(srv.CredentialsJSON()) // or auth.LoadCredentials(path)
	if err != nil {
		log.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	ts, err := auth.NewTokenSource(creds, auth.WithLifetime(15*time.Minute), auth.WithClock(func() time.Time { return now }))
	if err != nil {
		log.Fatal(err)
	}
	tok, err := ts.Token(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	// tok.Value() is the JWT for the header; here we only decode its claims.
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser(jwt.WithJSONNumber()).ParseUnverified(tok.Value(), claims); err != nil {
		log.Fatal(err)
	}
	fmt.Println("iss:", claims["iss"])
	fmt.Println("iat:", claims["iat"], "(11:59:55, backdated 5s)")
	fmt.Println("exp:", tok.Expiry().UTC())
	fmt.Println(tok) // printing a token never shows its value
	// Output:
	// iss: 1000001
	// iat: 1795780795 (11:59:55, backdated 5s)
	// exp: 2026-11-27 12:14:55 +0000 UTC
	// auth.Token{***, expires 2026-11-27T12:14:55Z}
}
