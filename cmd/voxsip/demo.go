package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/api/apitest"
)

// demoPassword is the SIP password the demo sends; it is never printed.
const demoPassword = "demo-password-never-printed"

func (c *cli) demoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Show a registration's lifecycle against a local fake API (no account needed)",
		Long: `Starts the spec-validating fake Management API on a loopback port with throwaway credentials
and runs the lifecycle of a SIP registration through voxsip itself: create, list, update, list,
delete, list. Each step shows the command line and its output.`,
		Example: "  voxsip demo",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return c.demo() },
	}
}

func (c *cli) demo() error {
	srv, err := apitest.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "voxsip-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	creds := filepath.Join(dir, "credentials.json")
	if err := os.WriteFile(creds, srv.CredentialsJSON(), 0o600); err != nil {
		return err
	}
	out := c.stdout
	fmt.Fprintf(out, "voxsip demo: a SIP registration's lifecycle against a local fake API at %s\n", srv.URL)
	fmt.Fprintf(out, "(throwaway service account %d; every request is checked against openapi.yaml)\n", srv.AccountID())
	step := func(stdin string, args ...string) (string, error) {
		shown := make([]string, len(args))
		for i, a := range args {
			shown[i] = a
			if a == "" {
				shown[i] = "''"
			}
		}
		fmt.Fprintf(out, "\n$ voxsip %s\n", strings.Join(shown, " "))
		var stdout strings.Builder
		e := &env{stdin: strings.NewReader(stdin), stdout: io.MultiWriter(out, &stdout), stderr: out}
		full := append(args, "--credentials", creds, "--base-url", srv.URL)
		c.sent.Store(true) // the steps send requests of their own
		if code := runEnv(c.ctx, full, e); code != exitOK {
			return "", fmt.Errorf("demo: step %q failed (exit %d)", args[0], code)
		}
		return stdout.String(), nil
	}
	created, err := step(demoPassword+"\n", "create", "--sip-username", "alice", "--proxy", "sip.example.com",
		"--password-stdin", "--application-name", "demo-app", "--user-name", "alice")
	if err != nil {
		return err
	}
	var id int64
	if _, err := fmt.Sscanf(created, "created SIP registration %d", &id); err != nil {
		return fmt.Errorf("demo: create printed %q, not an id", strings.TrimSpace(created))
	}
	ids := strconv.FormatInt(id, 10)
	for _, s := range [][]string{
		{"list"},
		{"update", "--id", ids, "--auth-user", "alice-auth", "--outbound-proxy", "", "--rule-id", "7"},
		{"list", "--json"},
		{"delete", "--id", ids},
		{"list"},
	} {
		if _, err := step("", s...); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "\nthe fake accepted %d requests; the password was sent once and printed nowhere\n", len(srv.Requests()))
	return nil
}
