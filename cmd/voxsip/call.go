package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/printable"
)

// callCmd is `voxsip call OPERATION`: a subcommand for every operation of openapi.yaml, built
// from the generated table alone (flags from its parameters, the password flags for its
// x-voxsip-cli-password or password parameter, --dry-run), that prints the response body. An
// operation added to the spec is a command here with go generate alone; create, update, bind,
// delete and list are the same operations with help and output written for people.
func (c *cli) callCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "call OPERATION [flags]",
		Short: "Call any operation of the API by name, with flags from its parameters",
		Long: `Calls one operation of the Management API as openapi.yaml describes it: each parameter is a
flag, the secret one is read with --password-stdin or --password-file, and the response body
is printed as JSON (indented; compact with --json), the same JSON value as the body with what a
terminal would act on inside its strings (C1 controls, line separators, bidi overrides) written
as \uXXXX escapes.`,
		Example: `  voxsip call get-sip-registrations --count 10
  voxsip call update-sip-registration --id 1 --proxy sip.example.com --dry-run`,
		Args: unknownOperation,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	for _, op := range params.All() {
		use := commandName(op.ID) + " [flags]"
		sub, _ := c.opCmd(generic(op), use, op.Summary+" ("+op.ID+")",
			op.Summary+" ("+op.ID+"), as openapi.yaml describes it; prints the response body.\n\n"+rulesNote(op, nil), "", false)
		sub.Aliases = []string{op.ID} // the API's name, as the reference spells it
		cmd.AddCommand(sub)
	}
	return cmd
}

// unknownOperation refuses a name that is no operation, with the nearest one.
func unknownOperation(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown operation %q", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return usagef("%s", msg)
}

// commandName is an operationId in kebab case: UpdateSipRegistration is update-sip-registration.
func commandName(id string) string {
	var b strings.Builder
	for i, r := range id {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// printBody prints a response body (a json.RawMessage) indented, with what a terminal would act
// on inside its strings escaped (printable.JSON: the same JSON value).
func printBody(w io.Writer, res any) error {
	raw, ok := res.(json.RawMessage)
	if !ok {
		return fmt.Errorf("internal error: a body of type %T", res)
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err := w.Write(printable.JSON(b.Bytes()))
	return err
}
