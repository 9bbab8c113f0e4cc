package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
)

const demoAbout = `Runs the whole path with no account: starts the spec-validating fake Management API on a
loopback port with throwaway credentials, sends a real UpdateSipRegistration through the
library, and shows what the fake validated, the token's header and claims (never its
signature) and the result.`

func (c *cli) demo(args []string) int {
	fs := c.newFlags("demo", "", demoAbout, "  voxsip demo")
	if code, done := c.parse(fs, args); done {
		return code
	}
	srv, err := apitest.Listen("127.0.0.1:0")
	if err != nil {
		return c.fail(err)
	}
	defer srv.Close()
	creds := srv.Credentials()
	tokens, err := auth.NewTokenSource(creds)
	if err != nil {
		return c.fail(err)
	}
	client, err := api.NewClient(api.WithTokenSource(tokens), api.WithBaseURL(srv.URL))
	if err != nil {
		return c.fail(err)
	}

	out := c.stdout
	fmt.Fprintln(out, "voxsip demo: a real UpdateSipRegistration through the library, against a local fake API")
	fmt.Fprintf(out, "  fake API:     %s (checks requests and responses against openapi.yaml)\n", srv.URL)
	fmt.Fprintf(out, "  credentials:  throwaway service account %d, key id %s\n\n", creds.AccountID, creds.KeyID)

	p := &api.UpdateSIPRegistrationParams{
		SIPRegistrationID: 1,
		SIPUsername:       api.Ptr("alice"),
		Proxy:             api.Ptr("sip.example.com"),
		AuthUser:          api.Ptr("alice-auth"),
		OutboundProxy:     api.Ptr(""), // clears the outbound proxy
		Password:          api.Ptr("demo-password-never-printed"),
		ApplicationName:   api.Ptr("demo-app"),
		UserName:          api.Ptr("alice"),
	}
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	start := time.Now()
	err = client.UpdateSIPRegistration(ctx, p)
	elapsed := time.Since(start)

	if reqs := srv.Requests(); len(reqs) > 0 {
		r := reqs[len(reqs)-1]
		fmt.Fprintln(out, "request, as the fake validated it:")
		fmt.Fprintln(out, "  POST /platform_api/UpdateSipRegistration")
		for _, kv := range maskedParams(&r) {
			fmt.Fprintf(out, "    %-20s %q\n", kv[0], kv[1])
		}
		fmt.Fprintf(out, "  User-Agent: %s\n\n", r.UserAgent)
	}
	if tok, terr := tokens.Token(ctx); terr == nil {
		header, claims := decodeJWT(tok.Value())
		fmt.Fprintln(out, "bearer token (signature not shown):")
		fmt.Fprintf(out, "  header: %s\n", header)
		fmt.Fprintf(out, "  claims: %s\n", claims)
		fmt.Fprintf(out, "  expires %s (minted once, then reused from the cache)\n\n", tok.Expiry().UTC().Format(time.RFC3339))
	}
	if err != nil {
		fmt.Fprintln(out, "result: FAILED")
		return c.fail(err)
	}
	fmt.Fprintf(out, "result: OK, the API answered {\"result\": 1} in %s\n", elapsed.Round(time.Millisecond))
	return exitOK
}

// decodeJWT returns a JWT's header and claims JSON; the signature is left out.
func decodeJWT(jwt string) (header, claims string) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return "?", "?"
	}
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	c, _ := base64.RawURLEncoding.DecodeString(parts[1])
	return string(h), string(c)
}
