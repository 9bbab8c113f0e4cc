package main

import (
	"fmt"
	"time"

	"github.com/voxsip/voxsip/auth"
)

const tokenAbout = `Prints a bearer token (a JWT signed with the service account's key) for use with curl. The
token is a credential: it is the only secret voxsip ever prints, and only here.`

const tokenExample = `  curl -X POST -H "Authorization: Bearer $(voxsip token --credentials credentials.json --lifetime 5m)" \
    'https://api.voximplant.com/platform_api/UpdateSipRegistration?sip_registration_id=1&proxy=sip.example.com'`

func (c *cli) token(args []string) int {
	fs := c.newFlags("token", "[flags]", tokenAbout, tokenExample)
	var cf commonFlags
	cf.registerCredentials(fs)
	lifetime := fs.Duration("lifetime", auth.DefaultLifetime, "token lifetime `D`, at most 1h")
	accountID := fs.Int64("account-id", 0, "act for child account `N` (the iss claim); default: the key's own account")
	if code, done := c.parse(fs, args); done {
		return code
	}
	creds, err := cf.loadCredentials()
	if err != nil {
		return c.fail(err)
	}
	opts := []auth.Option{auth.WithLifetime(*lifetime)}
	if *accountID != 0 {
		opts = append(opts, auth.WithAccountID(*accountID))
	}
	signer, err := auth.NewSigner(creds, opts...)
	if err != nil {
		return c.fail(usagef("%v", err))
	}
	tok, err := signer.Token(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	fmt.Fprintln(c.stdout, tok.Value())
	fmt.Fprintf(c.stderr, "token for account %d, expires %s\n", creds.AccountID, tok.Expiry().UTC().Format(time.RFC3339))
	return exitOK
}
