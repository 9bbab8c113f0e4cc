package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/api"
)

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
				if err := printJSON(c.stdout, reg); err != nil {
					return fmt.Errorf("writing to standard output failed: %w", err)
				}
				return nil
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
		if ferr := tw.Flush(); err == nil && ferr != nil {
			return fmt.Errorf("writing to standard output failed: %w", ferr)
		}
		if err != nil {
			return fmt.Errorf("after %d registration%s: %w", n, plural(n), err)
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
