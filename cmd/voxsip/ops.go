package main

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/redact"
)

// operation is what the generic single and batch runners know of one API operation.
type operation struct {
	op *params.Op
	// verb is the past tense shown for a success: "updated", "created", "deleted".
	verb string
	// send calls the API and returns the registration's id (the new one for create) and, for
	// --json, the result object (nil: {"ok":true,"sip_registration_id":id}).
	send func(ctx context.Context, cl *api.Client, p any) (int64, any, error)
	// body: the result is the response body (json.RawMessage), printed as it came.
	body bool
}

// validate checks p (a pointer to the operation's Params) against the spec's rules, and a
// proxy that a command sets against checkProxy.
func (o operation) validate(p any) error {
	gp, err := o.op.Of(p)
	if err != nil {
		return err
	}
	if err := api.Validate(gp); err != nil {
		return err
	}
	if v, set := o.op.Text(p, "proxy"); set && !o.body {
		return checkProxy(o.op.ID, v)
	}
	return nil
}

// typed is the operation whose Params struct is P, sent by send with p typed: the one place
// that asserts a command's params to their type.
func typed[P any, PP interface {
	*P
	generated.OperationParams
}](verb string, send func(ctx context.Context, cl *api.Client, p PP) (int64, any, error)) operation {
	op := params.For[P, PP]()
	return operation{op: op, verb: verb, send: func(ctx context.Context, cl *api.Client, p any) (int64, any, error) {
		q, ok := p.(PP)
		if !ok {
			return 0, nil, fmt.Errorf("%s: parameters of type %T", op.ID, p)
		}
		return send(ctx, cl, q)
	}}
}

// generic is any operation of the spec sent through api.Client.Call: its result is the body.
func generic(op *params.Op) operation {
	return operation{op: op, verb: op.ID, body: true, send: func(ctx context.Context, cl *api.Client, p any) (int64, any, error) {
		gp, err := op.Of(p)
		if err != nil {
			return 0, nil, err
		}
		body, err := cl.Call(ctx, gp)
		return 0, body, err
	}}
}

var (
	opCreate = typed("created", func(ctx context.Context, cl *api.Client, p *api.CreateSIPRegistrationParams) (int64, any, error) {
		r, err := cl.CreateSIPRegistration(ctx, p)
		if err != nil {
			return 0, nil, err
		}
		return r.SIPRegistrationID, r, nil
	})
	opUpdate = typed("updated", func(ctx context.Context, cl *api.Client, p *api.UpdateSIPRegistrationParams) (int64, any, error) {
		return p.SIPRegistrationID, nil, cl.UpdateSIPRegistration(ctx, p)
	})
	opBind = typed("bound", func(ctx context.Context, cl *api.Client, p *api.BindSIPRegistrationParams) (int64, any, error) {
		return p.GetSIPRegistrationID(), nil, cl.BindSIPRegistration(ctx, p)
	})
	opDelete = typed("deleted", func(ctx context.Context, cl *api.Client, p *api.DeleteSIPRegistrationParams) (int64, any, error) {
		return p.SIPRegistrationID, nil, cl.DeleteSIPRegistration(ctx, p)
	})
	opGet = params.For[api.GetSIPRegistrationsParams]()
)

// hasSecret returns the secret parameter that --password-stdin and --password-file fill: the one
// openapi.yaml marks x-voxsip-cli-password, else the one named password (never merely the first
// secret), and whether op has one.
func hasSecret(op *params.Op) (string, bool) {
	return op.PasswordParam, op.PasswordParam != ""
}

// opCommand is a command for one write operation: flags from the spec, a password from stdin or
// a file, --dry-run, and (batch != nil) --batch FILE.
type opCommand struct {
	c      *cli
	o      operation
	common commonFlags
	pw     passwordFlags
	flags  *opFlags
	dryRun bool
	batch  *batchFlags
	// prepare adjusts the params after the flags are parsed (bind's --unbind).
	prepare func(p any)
	// aliases reword the rules' conditions on parameters that are no flags (see flagWording).
	aliases map[string]string
}

func (c *cli) opCmd(o operation, use, short, long, example string, withBatch bool, skip ...string) (*cobra.Command, *opCommand) {
	oc := &opCommand{c: c, o: o}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Example: example, Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return oc.run() },
	}
	oc.common.register(cmd)
	oc.flags = addOpFlags(cmd, o.op, o.op.New(), skip...)
	if _, ok := hasSecret(o.op); ok {
		oc.pw.register(cmd)
	}
	cmd.Flags().BoolVar(&oc.dryRun, "dry-run", false, "check the request and print it (password masked); send nothing")
	if withBatch {
		oc.batch = &batchFlags{}
		oc.batch.register(cmd)
	}
	return cmd, oc
}

func (oc *opCommand) run() error {
	if oc.prepare != nil {
		oc.prepare(oc.flags.p)
	}
	batch, err := oc.batchMode()
	if err != nil {
		return err
	}
	if batch {
		oc.batch.dryRun = oc.dryRun
		return oc.c.runBatch(oc.o, &oc.common, oc.batch)
	}
	if err := oc.checkRequest(); err != nil {
		return err
	}
	if oc.dryRun {
		return oc.printDryRun()
	}
	return oc.send()
}

// batchMode reports whether the command runs a batch (--batch FILE), and refuses the batch
// flags given empty or beside the request's own flags.
func (oc *opCommand) batchMode() (bool, error) {
	if oc.batch == nil {
		return false, nil
	}
	if oc.batch.file == "" && oc.common.flags.Changed("batch") {
		// --batch "$FILE" with FILE unset: not a single request from the other flags.
		return false, usagef("--batch is empty: name a file, or - for standard input")
	}
	if oc.batch.resume == "" && oc.common.flags.Changed("resume") {
		// --resume "$RESULTS" with RESULTS unset: every line would be sent again.
		return false, usagef("--resume is empty: name the results file of the run to resume")
	}
	if oc.batch.file == "" {
		return false, nil
	}
	if len(oc.flags.set) > 0 || oc.pw.given() {
		return false, usagef("--batch takes the parameters (and passwords) from the file: drop --%s",
			firstOf(oc.flags.set, oc.pw, false))
	}
	return true, nil
}

// checkRequest checks the common flags, reads the password and validates the one request the
// flags describe.
func (oc *opCommand) checkRequest() error {
	c, o, p := oc.c, oc.o, oc.flags.p
	if err := oc.common.check(); err != nil {
		return err
	}
	if name, ok := hasSecret(o.op); ok {
		pw, err := oc.pw.read(c.stdin)
		if err != nil {
			return err
		}
		if pw != nil {
			o.op.Set(p, name, *pw)
		}
	}
	if err := o.validate(p); err != nil {
		return flagWording(o.op, err, oc.aliases)
	}
	return checkSetsAField(o.op, oc.flags.set, oc.pw.given())
}

// send sends the one request and prints its result.
func (oc *opCommand) send() error {
	c, o, p := oc.c, oc.o, oc.flags.p
	cl, err := c.client(&oc.common, 1)
	if err != nil {
		return err
	}
	defer cl.CloseIdleConnections()
	if err := c.ctx.Err(); err != nil {
		return fmt.Errorf("interrupted; nothing was sent")
	}
	// The request runs on c.hard: the first Ctrl-C lets it finish (its outcome would otherwise
	// be unknown), a second one cuts it off.
	ctx, cancel := context.WithTimeout(c.hard, oc.common.timeout)
	defer cancel()
	id, res, err := o.send(ctx, cl, p)
	if err != nil && c.hard.Err() != nil && errors.Is(err, context.Canceled) {
		return fmt.Errorf("stopped at once: the request was cut off and its outcome is unknown; check with 'voxsip list'")
	}
	if err != nil {
		return err
	}
	return c.printDone(o, oc.common.json, id, res)
}

func firstOf(set []string, pw passwordFlags, dryRun bool) string {
	switch {
	case len(set) > 0:
		return flagName(set[0])
	case pw.stdin:
		return "password-stdin"
	case pw.file != "":
		return "password-file"
	}
	return "dry-run"
}

func (oc *opCommand) printDryRun() error {
	base, _ := oc.common.base()
	url := strings.TrimSuffix(base, "/") + "/" + oc.o.op.ID
	if u, err := neturl.Parse(url); err == nil {
		url = redact.URL(u)
	}
	ps := maskedParams(oc.o.op, oc.flags.p)
	if oc.common.json {
		m := map[string]string{}
		for _, kv := range ps {
			m[kv[0]] = kv[1]
		}
		return printJSON(oc.c.stdout, map[string]any{"dry_run": true, "method": "POST", "url": url, "params": m})
	}
	fmt.Fprintf(oc.c.stdout, "POST %s\n", url)
	for _, kv := range ps {
		fmt.Fprintf(oc.c.stdout, "  %s=%q\n", kv[0], kv[1])
	}
	fmt.Fprintln(oc.c.stdout, "dry run: the request is valid; nothing was sent")
	return nil
}

const passwordNote = `The SIP password is never a flag: use --password-stdin or --password-file.`

// rulesNote is the help on op's parameter rules, generated from the spec (see rulesHelp).
func rulesNote(op *params.Op, aliases map[string]string) string {
	note := rulesHelp(op, aliases)
	if _, ok := op.Lookup("user_id"); ok {
		if note != "" {
			note += "\n"
		}
		note += "Binding to a user unbinds that user's previous registration."
	}
	return note
}

func (c *cli) createCmd() *cobra.Command {
	cmd, _ := c.opCmd(opCreate, "create --sip-username NAME --proxy HOST [flags] | --batch FILE",
		"Create a SIP registration (CreateSipRegistration)",
		`Creates a SIP registration (CreateSipRegistration) and prints its id. Creating reserves a
month's subscription fee and is not idempotent: after an error whose outcome is unknown, run
'voxsip list' before creating again. In a batch, a line with the sip_username and proxy of an
earlier line is a bad line, never sent (a second registration and a second fee are almost always
a mistake): its result names the earlier line.

`+passwordNote+"\n"+rulesNote(opCreate.op, nil)+"\n\n"+batchHelp,
		`  voxsip create --sip-username alice --proxy sip.example.com --password-file pw.txt --application-name pbx --user-name alice
  voxsip create --batch new.jsonl --json > results.jsonl`, true)
	return cmd
}

func (c *cli) updateCmd() *cobra.Command {
	cmd, _ := c.opCmd(opUpdate, "update --id N [flags] | --batch FILE",
		"Update a SIP registration (UpdateSipRegistration)",
		`Updates a SIP registration (UpdateSipRegistration). A flag given with an empty value sends the
empty string, which clears the field where its help says so (elsewhere it is refused); a flag
left out leaves the field alone.

`+passwordNote+"\n"+rulesNote(opUpdate.op, nil)+"\n\n"+batchHelp,
		`  voxsip update --id 1 --application-name app --user-name alice --outbound-proxy ''
  printf '%s\n' "$SIP_PASSWORD" | voxsip update --id 1 --password-stdin
  voxsip update --batch updates.jsonl --concurrency 8 --rps 20 --json > results.jsonl
  voxsip update --batch updates.jsonl --resume results.jsonl --json > results2.jsonl`, true)
	return cmd
}

// bindAliases names the flag that sets bind=false, since bind is not a flag of its own.
var bindAliases = map[string]string{"bind=false": "--unbind"}

func (c *cli) bindCmd() *cobra.Command {
	var unbind bool
	cmd, oc := c.opCmd(opBind, "bind --id N (--application-id N | --application-name NAME) [flags]",
		"Bind a SIP registration to an application, rule or user, or unbind it (BindSipRegistration)",
		`Binds a SIP registration to an application, rule or user (BindSipRegistration); --unbind
unbinds it instead (bind=false), and without --id unbinds what it names (an application, rule
or user) from all registrations.

`+rulesNote(opBind.op, bindAliases),
		`  voxsip bind --id 1 --application-name pbx --rule-name inbound
  voxsip bind --id 1 --unbind`, false, "bind")
	cmd.Flags().BoolVar(&unbind, "unbind", false, "unbind instead of bind (bind=false)")
	oc.aliases = bindAliases
	oc.prepare = func(p any) {
		if unbind {
			oc.o.op.Set(p, "bind", "false")
			oc.o.verb = "unbound"
		}
	}
	return cmd
}

func (c *cli) deleteCmd() *cobra.Command {
	cmd, _ := c.opCmd(opDelete, "delete --id N | --batch FILE",
		"Delete a SIP registration (DeleteSipRegistration)",
		"Deletes a SIP registration (DeleteSipRegistration).\n\n"+batchHelp,
		`  voxsip delete --id 1
  voxsip delete --batch ids.jsonl   # lines like {"sip_registration_id": 1}`, true)
	return cmd
}
