package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/internal/redact"
)

// envBaseURL overrides the default API address, e.g. to point at voxsip serve.
const envBaseURL = "VOXIMPLANT_BASE_URL"

// maxPasswordBytes caps a password read from a file or standard input.
const maxPasswordBytes = 4 << 10

// commonFlags are the flags of every command that talks to the API.
type commonFlags struct {
	credentials string
	baseURL     string
	timeout     time.Duration
	attempts    int
	json        bool
	caCert      string
	// flags are the command's flags: an empty --base-url or --credentials given on purpose (a
	// script's unset variable) is refused rather than taken as the default.
	flags *pflag.FlagSet
}

// register adds --credentials, --base-url, --timeout and --json. Defaults from the environment
// are resolved when the command runs, never shown in --help (a URL may hold secrets).
func (cf *commonFlags) register(cmd *cobra.Command) {
	cf.registerCredentials(cmd)
	cmd.Flags().StringVar(&cf.baseURL, "base-url", "",
		"Management API base `URL` (default $"+envBaseURL+", else "+api.DefaultBaseURL+")")
	cmd.Flags().DurationVar(&cf.timeout, "timeout", api.DefaultTimeout, "give up on a request after `D`, all attempts included")
	cmd.Flags().IntVar(&cf.attempts, "attempts", api.DefaultRetryPolicy().MaxAttempts, "try a request at most `N` times (1 to 10; retries only what is safe to retry)")
	cmd.Flags().BoolVar(&cf.json, "json", false, "print results as JSON (JSON Lines for lists and batches)")
	cmd.Flags().StringVar(&cf.caCert, "ca-cert", "", "also trust the TLS certificates (PEM) in `FILE`, e.g. the one 'voxsip serve --tls' writes")
}

// maxCACertBytes caps a --ca-cert file: a CA bundle is a few hundred KiB.
const maxCACertBytes = 4 << 20

// tlsConfig returns the TLS configuration for --ca-cert (nil without it): the system's roots
// plus every certificate in the file.
func (cf *commonFlags) tlsConfig() (*tls.Config, error) {
	if cf.caCert == "" {
		return nil, nil
	}
	f, err := os.Open(cf.caCert)
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("--ca-cert: %s is a directory", cf.caCert)
	}
	pemData, err := io.ReadAll(io.LimitReader(f, maxCACertBytes+1))
	if err != nil {
		return nil, fmt.Errorf("--ca-cert: %w", err)
	}
	if len(pemData) > maxCACertBytes {
		return nil, fmt.Errorf("--ca-cert: %s is larger than %d bytes (is this the right file?)", cf.caCert, maxCACertBytes)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, fmt.Errorf("--ca-cert: %s holds no PEM certificate", cf.caCert)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// registerCredentials registers --credentials alone, for commands that do not call the API.
func (cf *commonFlags) registerCredentials(cmd *cobra.Command) {
	cf.flags = cmd.Flags()
	cmd.Flags().StringVar(&cf.credentials, "credentials", "",
		"service account credentials `FILE` (default $"+auth.EnvCredentials+")")
}

// loadCredentials reads --credentials or $VOXIMPLANT_CREDENTIALS.
func (cf *commonFlags) loadCredentials() (*auth.Credentials, error) {
	if err := cf.notEmpty("credentials", "$"+auth.EnvCredentials); err != nil {
		return nil, err
	}
	path := cf.credentials
	if path == "" {
		path = os.Getenv(auth.EnvCredentials)
	}
	if path == "" {
		return nil, usagef("no credentials: pass --credentials FILE or set %s", auth.EnvCredentials)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("credentials %s is a directory, not a credentials.json file", path)
	}
	return auth.LoadCredentials(path)
}

// base returns the base URL to use: --base-url, $VOXIMPLANT_BASE_URL or the real API. It refuses
// user info, a query or a fragment without repeating them.
func (cf *commonFlags) base() (string, error) {
	if err := cf.notEmpty("base-url", "$"+envBaseURL+" or the real API"); err != nil {
		return "", err
	}
	base, from := cf.baseURL, "--base-url"
	if base == "" {
		base, from = os.Getenv(envBaseURL), "$"+envBaseURL
	}
	if base == "" {
		return api.DefaultBaseURL, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("%s is not a valid URL", from)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("%s must not hold user info, a query or a fragment (%s)", from, redact.URL(u))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s must be an absolute http or https URL, got %s", from, redact.URL(u))
	}
	return base, nil
}

// notEmpty refuses the flag name given with an empty value: it would mean the default (what
// fallback says), which is not what a script that passed "$UNSET" meant.
func (cf *commonFlags) notEmpty(name, fallback string) error {
	if cf.flags == nil {
		return nil
	}
	if f := cf.flags.Lookup(name); f != nil && f.Changed && f.Value.String() == "" {
		return usagef("--%s is empty: leave it out to use %s", name, fallback)
	}
	return nil
}

// check validates the flags that need no network.
func (cf *commonFlags) check() error {
	if cf.timeout <= 0 {
		return usagef("--timeout must be positive, got %v", cf.timeout)
	}
	if cf.attempts < 1 || cf.attempts > 10 {
		return usagef("--attempts must be between 1 and 10, got %d", cf.attempts)
	}
	_, err := cf.base()
	return err
}

// client builds the API client a command uses, with at most conns connections
// and a transport that records that a request was sent (for the exit code).
func (c *cli) client(cf *commonFlags, conns int) (*api.Client, error) {
	return c.newClient(cf, conns, cf.timeout)
}

// newClient is client with attemptTimeout as the HTTP client's bound on each attempt (0: none,
// for callers whose every request context has a deadline of at most --timeout already).
func (c *cli) newClient(cf *commonFlags, conns int, attemptTimeout time.Duration) (*api.Client, error) {
	if err := cf.check(); err != nil {
		return nil, err
	}
	base, _ := cf.base()
	creds, err := cf.loadCredentials()
	if err != nil {
		return nil, err
	}
	tlsConf, err := cf.tlsConfig()
	if err != nil {
		return nil, err
	}
	t := transport(tlsConf, conns)
	hc := &http.Client{Transport: &sentTransport{next: t, sent: &c.sent}, Timeout: attemptTimeout}
	policy := api.DefaultRetryPolicy()
	policy.MaxAttempts = cf.attempts
	return api.NewClient(api.WithCredentials(creds), api.WithBaseURL(base), api.WithHTTPClient(hc), api.WithRetryPolicy(policy))
}

// transport is the HTTP transport of a client with conns requests in flight at most (a batch's
// --concurrency): at most conns connections, each kept for reuse between requests (an idle pool
// of at least conns), so a batch's senders dial once each and reuse their connections. (net/http
// may still drop a connection whose request it has not finished writing 50 ms after the answer
// was read, and dial again: how many connections a batch opens depends on scheduling, and
// BenchmarkBatch reports it.)
func transport(tlsConf *tls.Config, conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if tlsConf != nil {
		t.TLSClientConfig = tlsConf
	}
	t.MaxConnsPerHost = conns
	t.MaxIdleConnsPerHost = max(conns, api.DefaultMaxIdleConnsPerHost)
	t.MaxIdleConns = max(t.MaxIdleConns, t.MaxIdleConnsPerHost)
	return t
}

// sentTransport marks that a request went to the network.
type sentTransport struct {
	next *http.Transport
	sent interface{ Store(bool) }
}

func (t *sentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.sent.Store(true)
	return t.next.RoundTrip(r)
}

// CloseIdleConnections lets api.Client.CloseIdleConnections reach the transport.
func (t *sentTransport) CloseIdleConnections() { t.next.CloseIdleConnections() }

// passwordFlags are --password-stdin and --password-file.
type passwordFlags struct {
	stdin bool
	file  string
}

func (pf *passwordFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&pf.stdin, "password-stdin", false, "read the SIP password from the first line of standard input")
	cmd.Flags().StringVar(&pf.file, "password-file", "", "read the SIP password from `FILE` (one line; trailing newline dropped)")
}

func (pf *passwordFlags) given() bool { return pf.stdin || pf.file != "" }

// read returns the password, or nil when neither flag was given.
func (pf *passwordFlags) read(stdin io.Reader) (*string, error) {
	switch {
	case pf.stdin && pf.file != "":
		return nil, usagef("--password-stdin and --password-file: give one of them")
	case pf.stdin:
		pw, err := readPassword(stdin, true)
		if err != nil {
			return nil, fmt.Errorf("--password-stdin: %w", err)
		}
		return &pw, nil
	case pf.file != "":
		pw, err := readPasswordFile(pf.file)
		if err != nil {
			return nil, fmt.Errorf("--password-file: %w", err)
		}
		return &pw, nil
	}
	return nil, nil
}

// readPasswordFile reads a password file (see readPassword).
func readPasswordFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return "", fmt.Errorf("%s is a directory", path)
	}
	return readPassword(f, false)
}

// readPassword reads a password: the first line of r (firstLine) or all of r, which must be a
// single line. A byte order mark before it and the line's end are not part of it; what is left
// must pass checkPassword. Enough is read to see a password over the cap, which is refused,
// never cut.
func readPassword(r io.Reader, firstLine bool) (string, error) {
	br := bufio.NewReader(io.LimitReader(r, int64(len(utf8BOM)+maxPasswordBytes+len("\r\n")+1)))
	var b []byte
	var err error
	if firstLine {
		b, err = br.ReadBytes('\n')
	} else {
		b, err = io.ReadAll(br)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	s := strings.TrimPrefix(string(b), utf8BOM) // a byte order mark (Notepad) is not part of it
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	switch {
	case s == "":
		return "", errors.New("the password is empty")
	case strings.ContainsAny(s, "\r\n") && len(s) <= maxPasswordBytes:
		return "", errors.New("the password file holds more than one line")
	}
	return s, checkPassword(s)
}

const utf8BOM = "\uFEFF"

// checkPassword is the one rule for a password from any input (a file, standard input, an
// environment variable, a batch line): sent exactly as given, or refused. Never cut to the cap,
// never with bytes that are not UTF-8 (which one input would pass as they are and another turn
// into U+FFFD).
func checkPassword(s string) error {
	switch {
	case s == "":
		return errors.New("the password is empty")
	case len(s) > maxPasswordBytes:
		return fmt.Errorf("the password is longer than %d bytes (is this the right file?)", maxPasswordBytes)
	case !utf8.ValidString(s):
		return errors.New("the password is not valid UTF-8 (is the file in another encoding?)")
	}
	return nil
}

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s: unexpected argument %q", cmd.CommandPath(), args[0])
	}
	return nil
}

func stderrIsTTY() bool { return term.IsTerminal(int(os.Stderr.Fd())) }
