package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/api"
)

// deleteAllHint is how to delete every registration, which apply --prune refuses to do.
const deleteAllHint = `voxsip list --json > all.jsonl && jq -c '{sip_registration_id}' all.jsonl | voxsip delete --batch -`

const applyHelp = `Makes the account's SIP registrations match a YAML file: reads them all
(GetSipRegistrations), computes a plan, prints it, and applies it. A registration is identified
by sip_username + proxy. The file:

  registrations:
    - sip_username: alice
      proxy: sip.example.com
      auth_user: alice-auth
      outbound_proxy: ""            # "" clears the field
      password_env: ALICE_SIP_PASSWORD
      application_name: pbx         # bindings: application_id|application_name,
      user_name: alice              # rule_id|rule_name, user_id|user_name
    - sip_username: bob
      proxy: sip.example.com
      password_file: secrets/bob.txt  # relative to the file's directory
      is_persistent: true

Keys are the API's parameter names of CreateSipRegistration. Fields left out of an entry are
left alone on the service. A password is never written in the file: "password:" is refused; use
password_file (one line, at most 4 KiB) or password_env. The API never returns passwords, so
they cannot be compared: a password is sent when a registration is created, and to existing
ones only with --set-passwords (each such entry is then an update).

A user has one SIP registration: binding it to one unbinds it from the other, as the service
does. The plan says when a change takes a user from another registration ("unbinds ... from"),
and a file whose two entries bind one user (the same user_id, or the same user_name in the same
application) is refused, nothing sent: every apply would move the user from one to the other.
Names and ids (user_id 30 and user_name bob, application_id 10 and application_name phones) are
matched through the registrations on the service. When none shows either user (a user_id bound
nowhere in one entry, a user_name bound nowhere in its application in another), voxsip cannot
tell whether they are one user, and the file is refused, nothing sent: name the users of a file
one way, all by user_id or all by user_name.

Registrations on the service that are not in the file are listed and left alone; --prune deletes
them. --prune with a file that lists no registration (registrations: empty) is refused, nothing
sent: it would delete every registration of the account. To do that, say so:

  ` + deleteAllHint + `

--dry-run prints the plan and sends no change (only the read). Applying the same file
twice changes nothing the second time ("No changes"). Changes are applied one at a time; after a
failure the rest are still tried and the report says what was applied. Ctrl-C stops before the
next change. is_persistent cannot be changed by UpdateSipRegistration: a difference is refused
before anything is sent (delete and recreate the registration).`

func (c *cli) applyCmd() *cobra.Command {
	var (
		common commonFlags
		file   string
		dryRun bool
		opt    planOptions
	)
	cmd := &cobra.Command{
		Use:   "apply -f FILE [--prune] [--dry-run]",
		Short: "Make the SIP registrations match a YAML file (plan, then apply)",
		Long:  applyHelp,
		Example: `  voxsip apply -f registrations.yaml --dry-run
  voxsip apply -f registrations.yaml --prune
  cat registrations.yaml | voxsip apply -f -`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usagef("apply needs -f FILE (or -f - for standard input)")
			}
			return c.apply(&common, file, dryRun, opt)
		},
	}
	common.register(cmd)
	cmd.Flags().StringVarP(&file, "file", "f", "", "the desired registrations, YAML `FILE` (- for standard input)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan; send no change")
	cmd.Flags().BoolVar(&opt.prune, "prune", false, "delete the registrations that are not in the file")
	cmd.Flags().BoolVar(&opt.setPasswords, "set-passwords", false, "send the passwords of existing registrations too")
	return cmd
}

// readWanted reads and parses the apply file (- for standard input): the registrations wanted.
func (c *cli) readWanted(file string, opt planOptions) ([]*desired, error) {
	data, dir, err := readApplyFile(file, c.stdin)
	if err != nil {
		return nil, err
	}
	want, err := parseApplyFile(data, dir, os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", file, oneLine(strings.ReplaceAll(err.Error(), "\n", "; ")))
	}
	if opt.prune && len(want) == 0 { // an empty list, or a template that rendered none
		return nil, usagef("%s lists no registration: with --prune that deletes every registration of the account, "+
			"which apply never does; nothing was changed. To delete them all: %s", file, deleteAllHint)
	}
	return want, nil
}

func (c *cli) apply(common *commonFlags, file string, dryRun bool, opt planOptions) error {
	if err := common.check(); err != nil {
		return err
	}
	want, err := c.readWanted(file, opt)
	if err != nil {
		return err
	}
	cl, err := c.client(common, 1)
	if err != nil {
		return err
	}
	defer cl.CloseIdleConnections()
	var have []api.SIPRegistration
	if err := c.eachRegistration(cl, nil, common.timeout, func(r api.SIPRegistration) error {
		have = append(have, r)
		return nil
	}); err != nil {
		return fmt.Errorf("reading the current registrations: %w", err)
	}
	p, err := makePlan(want, have, opt)
	if err != nil {
		return fmt.Errorf("%s: %s; nothing was changed", file, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	out := &checkedWriter{w: c.stdout}
	c.stdout = out // every write below is checked: a plan nobody sees is not applied
	if !common.json {
		printPlan(c.stdout, p, opt)
		if out.err != nil {
			return fmt.Errorf("writing the plan to standard output failed: %w; nothing was changed", out.err)
		}
	}
	if p.changes() == 0 {
		if common.json {
			c.printSteps(p, nil)
		} else {
			fmt.Fprintf(c.stdout, "No changes: %d registration%s match%s the file.\n", len(want), plural(len(want)), map[bool]string{true: "es"}[len(want) == 1])
		}
		return nil
	}
	if dryRun {
		if common.json {
			c.printSteps(p, nil)
		} else {
			fmt.Fprintln(c.stdout, "dry run: nothing was changed")
		}
		return nil
	}
	results := c.execute(cl, common, p, out)
	if common.json {
		c.printSteps(p, results)
	}
	return c.report(p, results, common.json, out.err)
}
