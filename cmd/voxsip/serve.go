package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/internal/params"
)

// maxLogSize caps --log-size: a million logged requests is far more than a test reads back, and
// keeps a long-running fake's memory bounded.
const maxLogSize = 1_000_000

// defaultCertFile is where --tls writes the certificate unless --tls-cert says otherwise.
const defaultCertFile = "voxsip-fake-cert.pem"

// serveExample is serve --help's example; TestServeHelpExamplesWork runs each command of it
// against a fresh emulator.
const serveExample = `  # In one shell: a fresh emulator.
  voxsip serve --addr 127.0.0.1:8080 --credentials-out fake-credentials.json

  # In another: a lifecycle against it.
  voxsip create --credentials fake-credentials.json --base-url http://127.0.0.1:8080/platform_api --sip-username alice --proxy sip.example.com
  voxsip update --credentials fake-credentials.json --base-url http://127.0.0.1:8080/platform_api --id 1 --proxy sip2.example.com
  voxsip list --credentials fake-credentials.json --base-url http://127.0.0.1:8080/platform_api
  voxsip delete --credentials fake-credentials.json --base-url http://127.0.0.1:8080/platform_api --id 1

  # HTTPS, from the repository's example seed, refusing unknown parameters.
  voxsip serve --addr 127.0.0.1:8443 --tls --tls-cert fake-cert.pem --seed api/apitest/testdata/seed.example.json --strict
  voxsip list --credentials voxsip-fake-credentials.json --base-url https://127.0.0.1:8443/platform_api --ca-cert fake-cert.pem

  # A key with role Developer: create and delete are refused with code 104, as in production.
  voxsip serve --addr 127.0.0.1:8081 --role Developer
  voxsip list --credentials voxsip-fake-credentials.json --base-url http://127.0.0.1:8081/platform_api`

func (c *cli) serveCmd() *cobra.Command {
	var (
		cfg     apitest.ServeConfig
		useTLS  bool
		logSize int
	)
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the fake Management API for integration tests",
		Long: `Runs the fake Management API (the one api/apitest provides to Go tests) as a process, for
integration tests written in any language. It keeps registrations in memory (--seed FILE starts
from a JSON seed; see api/apitest/testdata/seed.example.json), checks every request against
openapi.yaml and verifies tokens signed with the credentials it writes. It reads requests in
every shape the official clients send (see docs/serve-examples.md for curl and Node.js). It
prints its base URL as the first line on stdout, then the files it wrote and its admin endpoint,
and logs each accepted request (password masked) on stderr, with a warning for each parameter
it ignored (--strict refuses those instead, with code 101).

--role makes the key of the credentials have that role: operations the role may not call (see
each command's help) are refused with code 104.

With --tls it serves HTTPS with a fresh self-signed certificate for 127.0.0.1, ::1 and
localhost, written to --tls-cert: voxsip trusts it with --ca-cert FILE, curl with --cacert FILE,
other Go programs with SSL_CERT_FILE=FILE.

Ctrl-C or SIGTERM stops it, letting requests in flight finish for --shutdown-timeout; a second
one stops it at once.`,
		Example: serveExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkServeFlags(cmd, &cfg, useTLS, logSize); err != nil {
				return err
			}
			cfg.Log = c.stderr
			return c.serve(cfg)
		},
	}
	// One line per ServeConfig field.
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen on `ADDR` (port 0 picks a free port)")
	f.StringVar(&cfg.CredentialsFile, "credentials-out", "voxsip-fake-credentials.json", "write the fake's credentials to `FILE` (mode 0600; a file or symlink there is replaced, a link's target left alone)")
	f.BoolVar(&useTLS, "tls", false, "serve HTTPS with a fresh self-signed certificate (see --tls-cert)")
	f.StringVar(&cfg.TLSCertFile, "tls-cert", defaultCertFile, "with --tls: write the certificate (PEM) for clients to trust to `FILE` (replaced as --credentials-out)")
	f.StringVar(&cfg.SeedFile, "seed", "", "start from the registrations, applications, rules and users in `FILE` (JSON)")
	f.IntVar(&logSize, "log-size", apitest.DefaultLogSize, fmt.Sprintf("keep the last `N` accepted requests for the admin endpoint (0 to %d; 0 keeps none)", maxLogSize))
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", apitest.DefaultShutdownTimeout, "on Ctrl-C or SIGTERM, let requests in flight finish for `D`")
	f.BoolVar(&cfg.Strict, "strict", false, "refuse unknown parameters with code 101 instead of ignoring them with a warning")
	f.StringSliceVar(&cfg.Roles, "role", nil, "give the credentials' key this `ROLE` (Owner, Admin, Developer, ...; repeatable): other operations answer 104")
	return cmd
}

// checkServeFlags refuses contradictory or out-of-range flags, and settles cfg from them.
func checkServeFlags(cmd *cobra.Command, cfg *apitest.ServeConfig, useTLS bool, logSize int) error {
	switch {
	case cmd.Flags().Changed("tls-cert") && !useTLS:
		return usagef("--tls-cert needs --tls")
	case useTLS && cfg.TLSCertFile == "":
		return usagef("--tls-cert must name a file")
	case cfg.CredentialsFile == "":
		return usagef("--credentials-out must name a file")
	case logSize < 0 || logSize > maxLogSize:
		return usagef("--log-size must be between 0 and %d, got %d", maxLogSize, logSize)
	case cfg.ShutdownTimeout <= 0:
		return usagef("--shutdown-timeout must be positive, got %v", cfg.ShutdownTimeout)
	case slices.Contains(cfg.Roles, ""):
		return usagef("--role must name a role")
	}
	for _, role := range cfg.Roles {
		if !slices.Contains(specRoles(), role) {
			return usagef("--role: unknown role %q: want one of %s", role, strings.Join(specRoles(), ", "))
		}
	}
	if useTLS && sameFile(cfg.TLSCertFile, cfg.CredentialsFile) {
		return usagef("--tls-cert and --credentials-out name the same file (%s): the certificate would replace the credentials", cfg.CredentialsFile)
	}
	if err := checkSeedFile(cfg.SeedFile); err != nil {
		return err
	}
	if !useTLS {
		cfg.TLSCertFile = ""
	}
	// ServeConfig: 0 means the default, negative keeps none; the flag says what it means.
	cfg.LogSize = logSize
	if logSize == 0 {
		cfg.LogSize = -1
	}
	return nil
}

// maxSeedFile caps a --seed file: apitest.LoadSeed reads it whole.
const maxSeedFile = 64 << 20

// checkSeedFile refuses a --seed that apitest.LoadSeed would read without end or into too much
// memory: a device (/dev/zero), a directory or a regular file over maxSeedFile. Pipes
// (--seed <(jq ...)) are left to LoadSeed.
func checkSeedFile(path string) error {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Errorf("--seed: %w", err)
	case fi.IsDir():
		return fmt.Errorf("--seed: %s is a directory", path)
	case fi.Mode()&os.ModeDevice != 0:
		return fmt.Errorf("--seed: %s is a device, not a JSON file", path)
	case fi.Mode().IsRegular() && fi.Size() > maxSeedFile:
		return fmt.Errorf("--seed: %s is larger than %d MiB (is this the right file?)", path, maxSeedFile>>20)
	}
	return nil
}

// serve runs the fake until the first signal (c.ctx), then shuts it down gracefully; a second
// signal (c.hard) returns at once, leaving the process to exit with the requests cut off.
func (c *cli) serve(cfg apitest.ServeConfig) error {
	done := make(chan error, 1)
	go func() { done <- apitest.Serve(c.ctx, cfg, c.stdout) }()
	select {
	case err := <-done:
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stderr, "stopped")
		return nil
	case <-c.hard.Done():
		// watchSignals has said so. Serve returns by itself once the cut-off clients give up or
		// the shutdown timeout passes; the process does not wait for it.
		c.sent.Store(true) // exit 1: the requests in flight were cut off
		return errReported
	}
}

// sameFile reports whether paths a and b name one file: the same path once cleaned, or (when
// both exist) the same file through links.
func sameFile(a, b string) bool {
	if aa, err := filepath.Abs(a); err == nil {
		a = aa
	}
	if bb, err := filepath.Abs(b); err == nil {
		b = bb
	}
	if a == b {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// specRoles lists the roles openapi.yaml's operations allow (x-voxsip-roles), sorted: a key
// with any other role would be refused every call.
func specRoles() []string {
	var roles []string
	for _, op := range params.All() {
		roles = append(roles, op.Roles...)
	}
	slices.Sort(roles)
	return slices.Compact(roles)
}
