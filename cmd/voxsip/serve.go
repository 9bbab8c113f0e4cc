package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/api/apitest"
)

func (c *cli) serveCmd() *cobra.Command {
	var cfg apitest.ServeConfig
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the fake Management API for integration tests",
		Long: `Runs the fake Management API (the one api/apitest provides to Go tests) as a process, for
integration tests written in any language. It checks every request against openapi.yaml and
verifies tokens signed with the credentials it writes. It prints its base URL on stdout and logs
each accepted request (password masked) on stderr; Ctrl-C or SIGTERM stops it.`,
		Example: `  voxsip serve --addr 127.0.0.1:8080 --credentials-out fake-credentials.json &
  voxsip update --credentials fake-credentials.json --base-url http://127.0.0.1:8080/platform_api --id 1 --proxy sip.example.com`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Log = c.stderr
			fmt.Fprintf(c.stderr, "fake Voximplant Management API; credentials in %s\n", cfg.CredentialsFile)
			if err := apitest.Serve(c.ctx, cfg, c.stdout); err != nil {
				return err
			}
			fmt.Fprintln(c.stderr, "stopped")
			return nil
		},
	}
	// One line per ServeConfig field.
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen on `ADDR` (port 0 picks a free port)")
	f.StringVar(&cfg.CredentialsFile, "credentials-out", "voxsip-fake-credentials.json", "write the fake's credentials to `FILE`")
	return cmd
}
