// Command voxsip manages Voximplant SIP registrations from the shell, through the voxsip library:
// one subcommand per API operation (list, create, update, bind, delete), batches of them from
// JSON Lines, and a declarative apply of a YAML file. Run 'voxsip help' for the list.
//
// Nothing it prints contains a SIP password, a bearer token (except token's own output), key
// material, or the user info or query of a base URL.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/printable"
)

// Exit codes: one rule for every command.
const (
	exitOK      = 0 // everything asked for was done
	exitFailed  = 1 // something was sent and something failed (API, network, some bad lines)
	exitNothing = 2 // nothing was sent: usage, validation or input error found before sending
)

const exitCodesHelp = `Exit codes (every command):
  0  everything asked for was done
  1  requests were sent and something failed: an API or network error, or some batch lines
     were bad after sending had begun (the output says which)
  2  nothing was sent: a usage, validation, credentials or input error found before any request`

func main() {
	// A write to a closed pipe (voxsip ... | head) is an error that voxsip reports, naming what
	// was sent and not written, rather than a SIGPIPE that kills it silently mid-batch.
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	os.Exit(runEnv(context.Background(), os.Args[1:], processEnv(sigs)))
}

// processEnv is the env of main's process: its streams and signals.
func processEnv(sigs <-chan os.Signal) *env {
	return &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, sigs: sigs, tty: stderrIsTTY(), tuneGC: true}
}

// env is what one invocation sees of the world; tests build their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// sigs delivers interrupts: the first one drains (batches finish the requests in flight), a
	// second one, or SIGTERM during the drain, stops at once. Nil: no signals.
	sigs <-chan os.Signal
	// newTicker paces batches (--rps); nil means time.NewTicker.
	newTicker func(d time.Duration) (<-chan time.Time, func())
	// tty is true when stderr is a terminal: only then is a progress bar drawn.
	tty bool
	// tuneGC lets a batch tune the process's garbage collector (batchgc.go): main's process
	// only, since GOGC is global and tests run batches side by side.
	tuneGC bool
	// signalled, if not nil, is called once the n-th signal has taken effect (the drain or the
	// stop begun): a test waits for it instead of guessing when the CLI has acted.
	signalled func(n int)
}

// cli is one invocation.
type cli struct {
	*env
	ctx  context.Context // cancelled by the first signal
	hard context.Context // cancelled by a second signal (or SIGTERM during a drain)
	// sent is set once any request has been handed to the network: it decides between exit
	// codes 2 (nothing sent) and 1.
	sent atomic.Bool
}

// run is main without the process: tests call it with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runEnv(ctx, args, &env{stdin: stdin, stdout: stdout, stderr: stderr})
}

func runEnv(ctx context.Context, args []string, e *env) int {
	soft, cancelSoft := context.WithCancel(ctx)
	defer cancelSoft()
	hard, cancelHard := context.WithCancel(ctx)
	defer cancelHard()
	// Every write to standard output is checked, whichever command makes it (help and version
	// included): output lost to a full disk or a closed pipe is never an exit 0.
	out := &checkedWriter{w: e.stdout}
	checked := *e
	checked.stdout = out
	c := &cli{env: &checked, ctx: soft, hard: hard}
	if e.sigs != nil {
		done := make(chan struct{})
		defer close(done)
		go watchSignals(e.sigs, done, cancelSoft, cancelHard, e.stderr, e.signalled)
	}
	root := c.rootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(soft)
	if out.err != nil && (err == nil || err == out.err) { // nobody said what was lost: say it
		err = fmt.Errorf("writing to standard output failed: %w", out.err)
	}
	return c.exit(root, args, err)
}

// watchSignals turns the first signal into a drain and the next into a stop.
// signalled, if not nil, hears of each signal once it has taken effect.
func watchSignals(sigs <-chan os.Signal, done <-chan struct{}, drain, stop context.CancelFunc, stderr io.Writer, signalled func(int)) {
	n := 0
	for {
		select {
		case <-done:
			return
		case s := <-sigs:
			n++
			if n == 1 {
				fmt.Fprintf(stderr, "voxsip: %v: finishing the requests in flight, sending nothing new; "+
					"interrupt again to stop at once\n", s)
				drain()
			} else {
				fmt.Fprintf(stderr, "voxsip: %v: stopping at once\n", s)
				stop()
			}
			if signalled != nil {
				signalled(n)
			}
			if n > 1 {
				return
			}
		}
	}
}

// errReported is returned by a command that has already printed its outcome; only the exit
// code is left to decide.
var errReported = errors.New("reported")

// usageError is a mistake in the command line: it gets a hint to run --help.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// exit prints err on one line (unless already reported) and returns the exit code: 0 for no
// error, 2 when nothing was sent, 1 otherwise.
func (c *cli) exit(root *cobra.Command, args []string, err error) int {
	if err == nil {
		return exitOK
	}
	if !errors.Is(err, errReported) {
		msg := oneLine(err.Error())
		if strings.HasPrefix(msg, "unknown command ") {
			msg = unknownCommand(root, msg)
		}
		var ue *usageError
		if errors.As(err, &ue) {
			help := "voxsip help"
			if cmd, _, ferr := root.Find(args); ferr == nil && cmd != root {
				help = cmd.CommandPath() + " --help"
			}
			msg += "; see '" + help + "'"
		}
		fmt.Fprintf(c.stderr, "voxsip: %s\n", msg)
	}
	if c.sent.Load() {
		return exitFailed
	}
	return exitNothing
}

// unknownCommandMsg is cobra's wording of an unknown command (also ours, from help).
var unknownCommandMsg = regexp.MustCompile(`^unknown command "([^"]*)"(?: for "([^"]*)")?`)

// unknownCommand rewords cobra's multi-line message on one line, with its suggestions; a name
// unknown under a subcommand ('help update extra') keeps that subcommand.
func unknownCommand(root *cobra.Command, msg string) string {
	m := unknownCommandMsg.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	name, parent, help := m[1], root, "voxsip help"
	if path := strings.Fields(m[2]); len(path) > 1 {
		if cmd, _, err := root.Find(path[1:]); err == nil && cmd != root {
			parent, help = cmd, cmd.CommandPath()+" --help"
		}
	}
	out := fmt.Sprintf("unknown command %q", name)
	if parent != root {
		out += fmt.Sprintf(" for %q", parent.CommandPath())
	}
	if s := parent.SuggestionsFor(name); len(s) > 0 {
		out += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return out + "; see '" + help + "'"
}

// libPrefix starts the library's errors; the CLI prints its own once, at the start of a line.
const libPrefix = "voxsip: "

// oneLine makes s one printable line: runs of white space become one space, control characters
// (from a server's message, say) are escaped, and the library's "voxsip: " prefix is dropped
// (at the start, or after the CLI's own context: "after 3 registrations: voxsip: ...").
func oneLine(s string) string {
	s = strings.TrimPrefix(strings.Join(strings.Fields(s), " "), libPrefix)
	return printable.String(strings.ReplaceAll(s, ": "+libPrefix, ": "))
}

func (c *cli) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "voxsip",
		Short: "Manage Voximplant SIP registrations through the Management API",
		Long: `voxsip manages Voximplant SIP registrations through the Management API: one command per
API operation, batches from JSON Lines, and a declarative 'apply' of a YAML file.

Credentials: --credentials FILE or $VOXIMPLANT_CREDENTIALS (a service account's credentials.json).
Passwords are never flags: use --password-stdin or --password-file (or password_file /
password_env in an apply file). Nothing voxsip prints holds a password, a token (except the
output of 'voxsip token') or key material.

` + exitCodesHelp,
		Version:       api.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SetIn(c.stdin)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.SetFlagErrorFunc(flagError)
	root.SetVersionTemplate("voxsip {{.Version}}\n") // --version, as 'voxsip version' prints it
	root.SuggestionsMinimumDistance = 2
	root.AddCommand(
		c.listCmd(), c.createCmd(), c.updateCmd(), c.bindCmd(), c.deleteCmd(),
		c.applyCmd(), c.demoCmd(), c.tokenCmd(), c.serveCmd(), c.versionCmd(), c.callCmd(),
	)
	// cobra's help shows the root's help, exit 0, for a topic it does not know ('help updte'),
	// and its completion command shows its help for a shell it does not know: both are
	// usage errors here.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, sub := range root.Commands() {
		switch sub.Name() {
		case "help":
			sub.Run, sub.RunE = nil, func(_ *cobra.Command, args []string) error { return helpTopic(root, args) }
		case "completion":
			sub.Args = cobra.ArbitraryArgs
			sub.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usagef("unknown shell %q: want bash, fish, powershell or zsh", args[0])
				}
				return cmd.Help()
			}
		}
	}
	return root
}

// helpTopic prints the help of the command args name, or refuses a name that is no command.
func helpTopic(root *cobra.Command, args []string) error {
	target, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unknown command %q for %q", rest[0], target.CommandPath())
	}
	target.InitDefaultHelpFlag()
	return target.Help()
}

// flagError makes a flag parsing error a one-line usage error, with a suggestion for a
// mistyped flag.
func flagError(cmd *cobra.Command, err error) error {
	if !cmd.HasParent() && cmd.Flags().NArg() > 0 {
		// 'voxsip updat --id 1': the command is what is wrong, not the flag after it.
		return fmt.Errorf("unknown command %q for %q", cmd.Flags().Arg(0), cmd.Name())
	}
	msg := badValue(err.Error())
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		if name == "password" && cmd.Flags().Lookup("password-stdin") != nil {
			return &usageError{msg: msg + ": a password is never a flag (it would show in ps and the shell's history); " +
				"use --password-stdin or --password-file"}
		}
		if s := closestFlag(cmd, name); s != "" {
			msg += fmt.Sprintf(" (did you mean --%s?)", s)
		}
	}
	return &usageError{msg: msg}
}

// pflagInvalid is pflag's wording of a value its parser refused.
var pflagInvalid = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-[^,]+, )?(--[^"]+)" flag: (.*)$`)

// badValue rewords pflag's 'invalid argument "V" for "--flag" flag: <parser error>' as
// '--flag: "V" is ...', naming what is wrong with V instead of quoting strconv or time.
func badValue(msg string) string {
	m := pflagInvalid.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	value, flag, inner := m[1], m[2], m[3]
	if strings.HasPrefix(inner, flag+": ") { // our own parser already says it (paramValue)
		return inner
	}
	shown := strconv.Quote(value)
	if len(value) > 40 {
		shown = strconv.Quote(value[:40]) + "…"
	}
	switch {
	case strings.Contains(inner, strconv.ErrRange.Error()):
		return fmt.Sprintf("%s: %s is out of range", flag, shown)
	case strings.Contains(inner, "ParseBool"):
		return fmt.Sprintf("%s: %s is not true or false", flag, shown)
	case strings.HasPrefix(inner, "time: "):
		return fmt.Sprintf("%s: %s is not a duration (like 30s, 5m or 1h)", flag, shown)
	case strings.Contains(inner, strconv.ErrSyntax.Error()):
		return fmt.Sprintf("%s: %s is not a number", flag, shown)
	}
	return fmt.Sprintf("%s: %s: %s", flag, shown, inner)
}

// closestFlag returns the flag of cmd nearest to name (edit distance at most 2), or "".
func closestFlag(cmd *cobra.Command, name string) string {
	best, bestD := "", 3
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if d := editDistance(name, f.Name); d < bestD || (d == bestD && f.Name < best) {
			best, bestD = f.Name, d
		}
	})
	if bestD > 2 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func (c *cli) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(c.stdout, "voxsip", api.Version)
			return nil
		},
	}
}
