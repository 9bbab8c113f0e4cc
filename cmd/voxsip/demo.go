package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
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
	fake, err := newStatefulFake()
	if err != nil {
		return err
	}
	defer fake.srv.Close()
	dir, err := os.MkdirTemp("", "voxsip-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	creds := filepath.Join(dir, "credentials.json")
	if err := os.WriteFile(creds, fake.srv.CredentialsJSON(), 0o600); err != nil {
		return err
	}
	out := c.stdout
	fmt.Fprintf(out, "voxsip demo: a SIP registration's lifecycle against a local fake API at %s\n", fake.srv.URL)
	fmt.Fprintf(out, "(throwaway service account %d; every request is checked against openapi.yaml)\n", fake.srv.AccountID())
	step := func(stdin string, args ...string) error {
		shown := make([]string, len(args))
		for i, a := range args {
			shown[i] = a
			if a == "" {
				shown[i] = "''"
			}
		}
		fmt.Fprintf(out, "\n$ voxsip %s\n", strings.Join(shown, " "))
		e := &env{stdin: strings.NewReader(stdin), stdout: out, stderr: out}
		full := append(args, "--credentials", creds, "--base-url", fake.srv.URL)
		c.sent.Store(true) // the steps send requests of their own
		if code := runEnv(c.ctx, full, e); code != exitOK {
			return fmt.Errorf("demo: step %q failed (exit %d)", args[0], code)
		}
		return nil
	}
	steps := [][]string{
		{"create", "--sip-username", "alice", "--proxy", "sip.example.com", "--password-stdin", "--application-name", "demo-app", "--user-name", "alice"},
		{"list"},
		{"update", "--id", "101", "--auth-user", "alice-auth", "--outbound-proxy", "", "--rule-id", "7"},
		{"list", "--json"},
		{"delete", "--id", "101"},
		{"list"},
	}
	for _, s := range steps {
		stdin := ""
		if s[0] == "create" {
			stdin = demoPassword + "\n"
		}
		if err := step(stdin, s...); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "\nthe fake accepted %d requests; the password was sent once and printed nowhere\n", len(fake.srv.Requests()))
	return nil
}
