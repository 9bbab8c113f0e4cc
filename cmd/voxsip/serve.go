package main

import (
	"fmt"

	"github.com/voxsip/voxsip/api/apitest"
)

const serveAbout = `Runs the fake Management API (the one api/apitest provides to Go tests) as a process, for
integration tests written in any language. It checks every request against openapi.yaml and
verifies tokens signed with the credentials it writes. It prints its base URL on stdout and logs
each accepted request (password masked) on stderr; stop it with Ctrl-C.`

const serveExample = `  voxsip serve --addr 127.0.0.1:8080 --credentials-out fake-credentials.json &
  voxsip update --credentials fake-credentials.json --base-url http://127.0.0.1:8080/platform_api --id 1 --proxy sip.example.com`

func (c *cli) serve(args []string) int {
	fs := c.newFlags("serve", "[flags]", serveAbout, serveExample)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `ADDR` (port 0 picks a free port)")
	credsOut := fs.String("credentials-out", "voxsip-fake-credentials.json", "write the fake's credentials to `FILE`")
	if code, done := c.parse(fs, args); done {
		return code
	}
	fmt.Fprintf(c.stderr, "fake Voximplant Management API; credentials in %s\n", *credsOut)
	if err := apitest.Serve(c.ctx, apitest.ServeConfig{Addr: *addr, CredentialsFile: *credsOut, Log: c.stderr}, c.stdout); err != nil {
		return c.fail(err)
	}
	fmt.Fprintln(c.stderr, "stopped")
	return exitOK
}
