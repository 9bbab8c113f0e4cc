package main

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/params"
)

// operation is what the generic single and batch runners know of one API operation.
type operation struct {
	op *params.Op
	// verb is the past tense shown for a success: "updated", "created", "deleted".
	verb     string
	validate func(p any) error
	// send calls the API and returns the registration's id (the new one for create) and, for
	// --json, the result object (nil: {"ok":true,"sip_registration_id":id}).
	send func(ctx context.Context, cl *api.Client, p any) (int64, any, error)
}

var (
	opCreate = operation{
		op:       params.For[api.CreateSIPRegistrationParams](),
		verb:     "created",
		validate: func(p any) error { return api.ValidateCreateSIPRegistration(p.(*api.CreateSIPRegistrationParams)) },
		send: func(ctx context.Context, cl *api.Client, p any) (int64, any, error) {
			r, err := cl.CreateSIPRegistration(ctx, p.(*api.CreateSIPRegistrationParams))
			if err != nil {
				return 0, nil, err
			}
			return r.SIPRegistrationID, r, nil
		},
	}
	opUpdate = operation{
		op:       params.For[api.UpdateSIPRegistrationParams](),
		verb:     "updated",
		validate: func(p any) error { return api.ValidateUpdateSIPRegistration(p.(*api.UpdateSIPRegistrationParams)) },
		send: func(ctx context.Context, cl *api.Client, p any) (int64, any, error) {
			q := p.(*api.UpdateSIPRegistrationParams)
			return q.SIPRegistrationID, nil, cl.UpdateSIPRegistration(ctx, q)
		},
	}
	opBind = operation{
		op:       params.For[api.BindSIPRegistrationParams](),
		verb:     "bound",
		validate: func(p any) error { return api.ValidateBindSIPRegistration(p.(*api.BindSIPRegistrationParams)) },
		send: func(ctx context.Context, cl *api.Client, p any) (int64, any, error) {
			q := p.(*api.BindSIPRegistrationParams)
			var id int64
			if q.SIPRegistrationID != nil {
				id = *q.SIPRegistrationID
			}
			return id, nil, cl.BindSIPRegistration(ctx, q)
		},
	}
	opDelete = operation{
		op:       params.For[api.DeleteSIPRegistrationParams](),
		verb:     "deleted",
		validate: func(p any) error { return api.ValidateDeleteSIPRegistration(p.(*api.DeleteSIPRegistrationParams)) },
		send: func(ctx context.Context, cl *api.Client, p any) (int64, any, error) {
			q := p.(*api.DeleteSIPRegistrationParams)
			return q.SIPRegistrationID, nil, cl.DeleteSIPRegistration(ctx, q)
		},
	}
	opGet = params.For[api.GetSIPRegistrationsParams]()
)

// hasSecret reports whether op has a secret (password) parameter.
func hasSecret(op *params.Op) (string, bool) {
	for _, f := range op.Fields {
		if f.Secret {
			return f.Name, true
		}
	}
	return "", false
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
	c, o, p := oc.c, oc.o, oc.flags.p
	if oc.batch != nil && oc.batch.file != "" {
		if len(oc.flags.set) > 0 || oc.pw.given() {
			return usagef("--batch takes the parameters (and passwords) from the file: drop --%s",
				firstOf(oc.flags.set, oc.pw, false))
		}
		oc.batch.dryRun = oc.dryRun
		return c.runBatch(o, &oc.common, oc.batch)
	}
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
	if err := checkSetsAField(o.op, oc.flags.set, oc.pw.given()); err != nil {
		return err
	}
	if oc.dryRun {
		return oc.printDryRun()
	}
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
		url = safeURL(u)
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
'voxsip list' before creating again.

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
unbinds it instead (bind=false), and without --id unbinds a user from all registrations.

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

func (c *cli) listCmd() *cobra.Command {
	var common commonFlags
	cmd := &cobra.Command{
		Use:   "list [filters]",
		Short: "List SIP registrations (GetSipRegistrations, every page)",
		Long: `Lists the SIP registrations that match the filters (GetSipRegistrations), walking every page.
--count is the page size and --offset where to start. With --json it prints JSON Lines: one
registration per line, with the API's field names.`,
		Example: `  voxsip list
  voxsip list --proxy sip.example.com --json | jq .sip_registration_id`,
		Args: noArgs,
	}
	common.register(cmd)
	of := addOpFlags(cmd, opGet, opGet.New())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		p := of.p.(*api.GetSIPRegistrationsParams)
		if err := api.ValidateGetSIPRegistrations(p); err != nil {
			return flagWording(opGet, err, nil)
		}
		cl, err := c.client(&common, 1)
		if err != nil {
			return err
		}
		defer cl.CloseIdleConnections()
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		n := 0
		err = c.eachRegistration(cl, p, common.timeout, func(reg api.SIPRegistration) error {
			n++
			if common.json {
				return printJSON(c.stdout, reg)
			}
			if n == 1 {
				fmt.Fprintln(tw, listHeader)
			}
			fmt.Fprintln(tw, listRow(reg))
			return nil
		})
		if n == 0 && err == nil && !common.json {
			fmt.Fprintln(tw, listHeader)
		}
		tw.Flush()
		if err != nil {
			return fmt.Errorf("after %d registrations: %w", n, err)
		}
		if !common.json {
			fmt.Fprintf(c.stderr, "%d registration%s\n", n, plural(n))
		}
		return nil
	}
	return cmd
}

func deref[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func status(r api.SIPRegistration) string {
	switch {
	case r.Deactivated:
		return "deactivated"
	case r.Successful != nil && *r.Successful:
		return "ok"
	case r.StatusCode != nil:
		return fmt.Sprintf("failed (%d)", *r.StatusCode)
	case r.Successful != nil:
		return "failed"
	}
	return "-"
}

func boundTo(r api.SIPRegistration) string {
	var parts []string
	add := func(kind string, id *int64, name *string) {
		switch {
		case name != nil && *name != "":
			parts = append(parts, kind+" "+*name)
		case id != nil:
			parts = append(parts, fmt.Sprintf("%s %d", kind, *id))
		}
	}
	add("app", r.ApplicationID, r.ApplicationName)
	add("rule", r.RuleID, r.RuleName)
	add("user", r.UserID, r.UserName)
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// errNoAnswer ends a walk over the pages when one of them takes longer than --timeout.
type errNoAnswer struct{ timeout time.Duration }

func (e *errNoAnswer) Error() string {
	return fmt.Sprintf("no answer within --timeout %v (all attempts included)", e.timeout)
}

// eachRegistration calls fn for every registration that matches p, walking every page. Like any
// other request, a page gets --timeout for all its attempts; the time fn takes (a reader slow
// at the other end of a pipe) does not count.
func (c *cli) eachRegistration(cl *api.Client, p *api.GetSIPRegistrationsParams, timeout time.Duration, fn func(api.SIPRegistration) error) error {
	ctx, cancel := context.WithCancelCause(c.ctx)
	defer cancel(nil)
	timer := time.AfterFunc(timeout, func() { cancel(&errNoAnswer{timeout}) })
	defer timer.Stop()
	for reg, err := range cl.AllSIPRegistrations(ctx, p) {
		timer.Stop()
		if err != nil {
			var na *errNoAnswer
			if errors.As(context.Cause(ctx), &na) {
				return na
			}
			return err
		}
		if err := fn(reg); err != nil {
			return err
		}
		timer.Reset(timeout)
	}
	return nil
}
