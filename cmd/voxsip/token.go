package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/auth"
)

func (c *cli) tokenCmd() *cobra.Command {
	var (
		cf        commonFlags
		lifetime  time.Duration
		accountID int64
	)
	cmd := &cobra.Command{
		Use:   "token [flags]",
		Short: "Print a bearer token for use with curl",
		Long: `Prints a bearer token (a JWT signed with the service account's key) for use with curl. The
token is a credential: it is the only secret voxsip ever prints, and only here.`,
		Example: `  curl -X POST -H "Authorization: Bearer $(voxsip token --credentials credentials.json --lifetime 5m)" \
    'https://api.voximplant.com/platform_api/UpdateSipRegistration?sip_registration_id=1&proxy=sip.example.com'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			creds, err := cf.loadCredentials()
			if err != nil {
				return err
			}
			opts := []auth.Option{auth.WithLifetime(lifetime)}
			actsFor := creds.AccountID
			if cmd.Flags().Changed("account-id") { // an explicit 0 is refused by auth, not taken as unset
				opts = append(opts, auth.WithAccountID(accountID))
				actsFor = accountID
			}
			signer, err := auth.NewSigner(creds, opts...)
			if err != nil {
				return usagef("%v", err)
			}
			tok, err := signer.Token(c.ctx)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, tok.Value())
			who := fmt.Sprint(actsFor)
			if actsFor != creds.AccountID {
				who += fmt.Sprintf(" (with the key of account %d)", creds.AccountID)
			}
			fmt.Fprintf(c.stderr, "token for account %s, expires %s\n", who, tok.Expiry().UTC().Format(time.RFC3339))
			return nil
		},
	}
	cf.registerCredentials(cmd)
	cmd.Flags().DurationVar(&lifetime, "lifetime", auth.DefaultLifetime, "token lifetime `D`, at most 1h")
	cmd.Flags().Int64Var(&accountID, "account-id", 0, "act for child account `N` (the iss claim); default: the key's own account")
	return cmd
}
