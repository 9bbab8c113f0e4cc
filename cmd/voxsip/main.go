// Command voxsip manages Voximplant SIP registrations from the shell, through the voxsip library.
//
//	voxsip demo                       run a real update against a local fake API (no account needed)
//	voxsip update --id N [flags]      update one registration, or many with --batch FILE
//	voxsip token                      print a bearer token for curl
//	voxsip serve                      run the fake Management API for integration tests
//
// Exit codes: 0 success, 1 the API or the network failed, 2 usage or validation error. Nothing
// it prints contains the SIP password, a bearer token (except token's own output) or key material.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/auth"
)

// Exit codes.
const (
	exitOK    = 0
	exitAPI   = 1 // the API or the network failed
	exitUsage = 2 // bad flags, input or credentials; nothing was sent
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli is one invocation's streams and context.
type cli struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
}

const mainUsage = `voxsip manages Voximplant SIP registrations through the Management API.

Usage:
  voxsip demo                      run a real update against a local fake API (no account needed)
  voxsip update --id N [flags]     update a SIP registration (or many: --batch FILE)
  voxsip token [flags]             print a bearer token for use with curl
  voxsip serve [flags]             run the fake Management API for integration tests
  voxsip version                   print the version

Run 'voxsip COMMAND --help' for a command's flags and an example.
Exit codes: 0 success, 1 the API or the network failed, 2 usage or validation error.
`

// run is main without the process: tests call it with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return exitUsage
	}
	switch args[0] {
	case "demo":
		return c.demo(args[1:])
	case "update":
		return c.update(args[1:])
	case "token":
		return c.token(args[1:])
	case "serve":
		return c.serve(args[1:])
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "voxsip", api.Version)
		return exitOK
	case "help", "--help", "-help", "-h":
		fmt.Fprint(stdout, mainUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "voxsip: unknown command %q; run 'voxsip help'\n", args[0])
	return exitUsage
}

// usageError is a mistake in the command line or the input: exit code 2.
type usageError struct{ msg string }

// Error returns the message as it is.
func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// fail prints err on one line and returns its exit code.
func (c *cli) fail(err error) int {
	fmt.Fprintf(c.stderr, "voxsip: %s\n", oneLine(err.Error()))
	return exitCode(err)
}

func exitCode(err error) int {
	var (
		ue *usageError
		ve *api.ValidationError
		ce *auth.CredentialsError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.As(err, &ve), errors.As(err, &ce), errors.Is(err, api.ErrNoCredentials),
		errors.Is(err, os.ErrNotExist), errors.Is(err, os.ErrPermission):
		return exitUsage
	}
	return exitAPI
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// newFlags returns a flag set whose --help shows synopsis, a description and an example.
func (c *cli) newFlags(name, synopsis, about, example string) *flag.FlagSet {
	fs := flag.NewFlagSet("voxsip "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: voxsip %s %s\n\n%s\n\nExample:\n%s\n\nFlags:\n", name, synopsis, about, example)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; done is true when the command should return code at once (help, errors).
func (c *cli) parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, true
	case err != nil: // the flag package printed the error and the usage
		return exitUsage, true
	case fs.NArg() > 0:
		fmt.Fprintf(c.stderr, "voxsip: unexpected argument %q; run '%s --help'\n", fs.Arg(0), fs.Name())
		return exitUsage, true
	}
	return 0, false
}
