package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/voxsip/voxsip/api"
)

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

Registrations on the service that are not in the file are listed and left alone; --prune deletes
them. --dry-run prints the plan and sends no change (only the read). Applying the same file
twice changes nothing the second time ("No changes"). Changes are applied one at a time; after a
failure the rest are still tried and the report says what was applied. Ctrl-C stops before the
next change. is_persistent cannot be changed by UpdateSipRegistration: a difference is refused
before anything is sent (delete and recreate the registration).`

// desired is one entry of an apply file.
type desired struct {
	line     int
	p        *api.CreateSIPRegistrationParams // without the password
	set      []string                         // parameters the entry sets, in the spec's order
	pwSource string                           // "$VAR" or the file, for messages
	password *string                          // resolved
}

func (d *desired) key() string { return identity(d.p.SIPUsername, d.p.Proxy) }

func identity(user, proxy string) string { return user + "@" + proxy }

// Plan actions.
const (
	actCreate    = "create"
	actUpdate    = "update"
	actUnchanged = "unchanged"
	actDelete    = "delete"
	actOrphan    = "not-in-file" // on the service, not in the file, left alone without --prune
)

// change is one field that an update changes.
type change struct {
	Name string  `json:"name"`
	From *string `json:"from"` // nil: not set on the service
	To   string  `json:"to"`
}

// step is one entry of a plan.
type step struct {
	Action       string
	Key          string
	ID           int64
	Changes      []change
	SendPassword bool
	Create       *api.CreateSIPRegistrationParams
	Update       *api.UpdateSIPRegistrationParams
	want         *desired
}

type planOptions struct {
	prune        bool
	setPasswords bool
}

// plan is what apply will do.
type plan struct {
	Steps []step
	// PasswordsNotSent counts entries with a password reference whose password is not sent
	// (existing registrations without --set-passwords).
	PasswordsNotSent int
}

func (p *plan) count(action string) int {
	n := 0
	for _, s := range p.Steps {
		if s.Action == action {
			n++
		}
	}
	return n
}

// changes counts the steps that send something.
func (p *plan) changes() int { return p.count(actCreate) + p.count(actUpdate) + p.count(actDelete) }

// makePlan compares the desired registrations with the service's and says what to do. It is a
// pure function of its inputs.
func makePlan(want []*desired, have []api.SIPRegistration, opt planOptions) (*plan, error) {
	byKey := map[string][]api.SIPRegistration{}
	for _, r := range have {
		k := identity(r.SIPUsername, r.Proxy)
		byKey[k] = append(byKey[k], r)
	}
	var errs []error
	out := &plan{}
	wanted := map[string]bool{}
	for _, d := range want {
		k := d.key()
		if wanted[k] {
			errs = append(errs, fmt.Errorf("line %d: %s is in the file twice", d.line, k))
			continue
		}
		wanted[k] = true
		matches := byKey[k]
		switch len(matches) {
		case 0:
			p := *d.p
			p.Password = d.password
			out.Steps = append(out.Steps, step{Action: actCreate, Key: k, Create: &p, SendPassword: d.password != nil, want: d})
			continue
		case 1:
		default:
			ids := make([]string, len(matches))
			for i, m := range matches {
				ids[i] = fmt.Sprint(m.SIPRegistrationID)
			}
			errs = append(errs, fmt.Errorf("line %d: %d registrations (ids %s) match %s; delete the extra ones first",
				d.line, len(matches), strings.Join(ids, ", "), k))
			continue
		}
		cur := matches[0]
		s, err := diff(d, cur, opt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if d.password != nil && !s.SendPassword {
			out.PasswordsNotSent++
		}
		out.Steps = append(out.Steps, s)
	}
	var rest []api.SIPRegistration
	for _, r := range have {
		if !wanted[identity(r.SIPUsername, r.Proxy)] {
			rest = append(rest, r)
		}
	}
	slices.SortFunc(rest, func(a, b api.SIPRegistration) int { return cmp.Compare(a.SIPRegistrationID, b.SIPRegistrationID) })
	for _, r := range rest {
		a := actOrphan
		if opt.prune {
			a = actDelete
		}
		out.Steps = append(out.Steps, step{Action: a, Key: identity(r.SIPUsername, r.Proxy), ID: r.SIPRegistrationID})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// bindingParams are the parameters of UpdateSipRegistration's rules (the binding pairs): when
// one of them changes, all the entry sets are sent, so that the request keeps to the rules.
var bindingParams = func() []string {
	var names []string
	for _, r := range opUpdate.op.Rules {
		for _, n := range slices.Concat(r.AtMostOne, r.IfAny, r.RequireAny) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names
}()

// diff compares one desired entry with the registration that has its identity.
func diff(d *desired, cur api.SIPRegistration, opt planOptions) (step, error) {
	s := step{Action: actUnchanged, Key: d.key(), ID: cur.SIPRegistrationID, want: d}
	up := &api.UpdateSIPRegistrationParams{SIPRegistrationID: cur.SIPRegistrationID}
	bindingChanged := false
	for _, name := range d.set {
		if name == "sip_username" || name == "proxy" {
			continue // the identity
		}
		to, _ := opCreate.op.Text(d.p, name)
		f, _ := opCreate.op.Lookup(name)
		from, present := currentValue(cur, name)
		if present && from == to || !present && to == "" && f.Type == "string" {
			continue
		}
		if _, ok := opUpdate.op.Lookup(name); !ok {
			return s, fmt.Errorf("line %d: %s: %s is %s in the file but %s on the service, and %s cannot change it; "+
				"delete and recreate the registration", d.line, s.Key, name, to, cmp.Or(from, "unset"), opUpdate.op.ID)
		}
		c := change{Name: name, To: to}
		if present {
			c.From = &from
		}
		s.Changes = append(s.Changes, c)
		opUpdate.op.Set(up, name, to)
		if slices.Contains(bindingParams, name) {
			bindingChanged = true
		}
	}
	if bindingChanged {
		for _, name := range d.set {
			if v, ok := opCreate.op.Text(d.p, name); ok && slices.Contains(bindingParams, name) {
				opUpdate.op.Set(up, name, v)
			}
		}
	}
	if d.password != nil && opt.setPasswords {
		up.Password = d.password
		s.SendPassword = true
	}
	if len(s.Changes) > 0 || s.SendPassword {
		s.Action, s.Update = actUpdate, up
	}
	return s, nil
}

// currentValue returns the registration's field with the API name, as text, if present.
func currentValue(r api.SIPRegistration, name string) (string, bool) {
	v := reflect.ValueOf(r)
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag != name {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				return "", false
			}
			fv = fv.Elem()
		}
		return fmt.Sprint(fv.Interface()), true
	}
	return "", false
}

// parseApplyFile reads an apply file. dir is where relative password_file paths start; getenv
// reads password_env.
func parseApplyFile(data []byte, dir string, getenv func(string) (string, bool)) ([]*desired, error) {
	// Every document is read: yaml.Unmarshal keeps the first and drops the rest, and with
	// --prune the registrations of a dropped document would be deleted.
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not valid YAML: %s", yamlProblem(err))
		}
		if len(root.Content) == 0 || root.Content[0].Tag == "!!null" && root.Content[0].Value == "" {
			continue // an empty document, as after a final ---
		}
		docs = append(docs, root.Content[0])
	}
	if len(docs) == 0 {
		return nil, errors.New("the file is empty; want a registrations: list")
	}
	if len(docs) > 1 {
		return nil, fmt.Errorf("line %d: a second YAML document (after ---): put every registration in one registrations: list", docs[1].Line)
	}
	doc := docs[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping with a registrations: list", doc.Line)
	}
	var list *yaml.Node
	for i := 0; i < len(doc.Content); i += 2 {
		k := doc.Content[i]
		if k.Value != "registrations" {
			return nil, fmt.Errorf("line %d: unknown key %q (the only key is registrations)", k.Line, k.Value)
		}
		if list != nil { // YAML would keep the last list and drop the others
			return nil, fmt.Errorf("line %d: registrations: given twice (merge the lists into one)", k.Line)
		}
		list = doc.Content[i+1]
	}
	if list == nil || (list.Kind != yaml.SequenceNode && list.Tag != "!!null") {
		return nil, fmt.Errorf("line %d: registrations: must be a list", doc.Line)
	}
	secret, _ := hasSecret(opCreate.op)
	var out []*desired
	var errs []error
	firstLine := map[string]int{}
	for _, item := range list.Content {
		d, err := parseEntry(item, secret, dir, getenv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if first, ok := firstLine[d.key()]; ok {
			errs = append(errs, fmt.Errorf("line %d: %s is in the file twice (first on line %d)", d.line, d.key(), first))
			continue
		}
		firstLine[d.key()] = d.line
		out = append(out, d)
	}
	return out, errors.Join(errs...)
}

func parseEntry(item *yaml.Node, secret, dir string, getenv func(string) (string, bool)) (*desired, error) {
	if item.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: each registration must be a mapping of API field names", item.Line)
	}
	d := &desired{line: item.Line, p: &api.CreateSIPRegistrationParams{}}
	seen := map[string]bool{}
	for i := 0; i < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		name := k.Value
		if seen[name] {
			return nil, fmt.Errorf("line %d: %s given twice", k.Line, name)
		}
		seen[name] = true
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return nil, fmt.Errorf("line %d: %s must be a single value", k.Line, name)
		}
		switch name {
		case secret:
			return nil, fmt.Errorf("line %d: a %s in clear is refused: use %s_file: PATH or %s_env: VARIABLE", k.Line, secret, secret, secret)
		case secret + "_file":
			path := v.Value
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			pw, err := readPasswordFile(path)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", k.Line, name, err)
			}
			d.password, d.pwSource = &pw, path
			continue
		case secret + "_env":
			pw, ok := getenv(v.Value)
			if !ok || pw == "" {
				return nil, fmt.Errorf("line %d: %s: $%s is not set or empty", k.Line, name, v.Value)
			}
			d.password, d.pwSource = &pw, "$"+v.Value
			continue
		}
		f, ok := opCreate.op.Lookup(name)
		if !ok || f.Secret {
			return nil, fmt.Errorf("line %d: unknown field %q (fields are %s's parameters)", k.Line, name, opCreate.op.ID)
		}
		if err := opCreate.op.Set(d.p, name, v.Value); err != nil {
			return nil, fmt.Errorf("line %d: %w", k.Line, err)
		}
	}
	if seen[secret+"_file"] && seen[secret+"_env"] {
		return nil, fmt.Errorf("line %d: %s_file and %s_env are alternatives: give one", item.Line, secret, secret)
	}
	for _, f := range opCreate.op.Fields {
		if seen[f.Name] {
			d.set = append(d.set, f.Name)
		}
	}
	if err := api.ValidateCreateSIPRegistration(d.p); err != nil {
		var ve *api.ValidationError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("line %d: %s", item.Line, strings.TrimPrefix(err.Error(), "voxsip: "))
		}
		return nil, err
	}
	return d, nil
}

// yamlProblem keeps yaml's line number and drops any quoted input.
func yamlProblem(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		msg = msg[i:]
	}
	if i := strings.IndexAny(msg, "`'\""); i >= 0 {
		msg = strings.TrimRight(msg[:i], " :")
	}
	return msg
}

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

// maxApplyFile caps an apply file: tens of thousands of registrations fit in a few MiB.
const maxApplyFile = 16 << 20

// readApplyFile reads -f FILE (- for stdin) and the directory its relative paths are from. A
// file over maxApplyFile is refused rather than cut short, since a cut list would plan deletes.
func readApplyFile(file string, stdin io.Reader) ([]byte, string, error) {
	r, dir := stdin, "."
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, "", fmt.Errorf("-f: %w", err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return nil, "", fmt.Errorf("-f: %s is a directory", file)
		}
		r, dir = f, filepath.Dir(file)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxApplyFile+1))
	if err != nil {
		return nil, "", fmt.Errorf("-f: %w", err)
	}
	if len(data) > maxApplyFile {
		return nil, "", fmt.Errorf("-f: %s is larger than %d MiB (is this the right file?); nothing was changed", file, maxApplyFile>>20)
	}
	return data, dir, nil
}

func (c *cli) apply(common *commonFlags, file string, dryRun bool, opt planOptions) error {
	if err := common.check(); err != nil {
		return err
	}
	data, dir, err := readApplyFile(file, c.stdin)
	if err != nil {
		return err
	}
	want, err := parseApplyFile(data, dir, os.LookupEnv)
	if err != nil {
		return fmt.Errorf("%s: %s", file, oneLine(strings.ReplaceAll(err.Error(), "\n", "; ")))
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
	if !common.json {
		printPlan(c.stdout, p, opt)
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
	results := c.execute(cl, common, p)
	if common.json {
		c.printSteps(p, results)
	}
	return c.report(p, results, common.json)
}

// stepResult is what became of one step.
type stepResult struct {
	done bool
	id   int64
	err  error
}

// execute applies the steps one at a time; a failure does not stop the others, Ctrl-C does.
func (c *cli) execute(cl *api.Client, common *commonFlags, p *plan) []stepResult {
	results := make([]stepResult, len(p.Steps))
	for i, s := range p.Steps {
		if s.Action != actCreate && s.Action != actUpdate && s.Action != actDelete {
			continue
		}
		if c.ctx.Err() != nil {
			break
		}
		ctx, cancel := context.WithTimeout(c.hard, common.timeout)
		var err error
		id := s.ID
		switch s.Action {
		case actCreate:
			var r *api.CreateSIPRegistrationResult
			if r, err = cl.CreateSIPRegistration(ctx, s.Create); err == nil {
				id = r.SIPRegistrationID
			}
		case actUpdate:
			err = cl.UpdateSIPRegistration(ctx, s.Update)
		case actDelete:
			err = cl.DeleteSIPRegistration(ctx, &api.DeleteSIPRegistrationParams{SIPRegistrationID: s.ID})
		}
		cancel()
		results[i] = stepResult{done: err == nil, id: id, err: err}
		if !common.json {
			if err != nil {
				fmt.Fprintf(c.stdout, "FAILED %s %s: %s\n", s.Action, s.Key, oneLine(err.Error()))
			} else {
				fmt.Fprintf(c.stdout, "%s %s (id %d)\n", pastTense(s.Action), s.Key, id)
			}
		}
	}
	return results
}

func pastTense(action string) string {
	return map[string]string{actCreate: "created", actUpdate: "updated", actDelete: "deleted"}[action]
}

// report prints the outcome; a failure or an interruption is an error.
func (c *cli) report(p *plan, results []stepResult, asJSON bool) error {
	total, done := p.changes(), 0
	var failed, notTried []string
	for i, s := range p.Steps {
		if s.Action != actCreate && s.Action != actUpdate && s.Action != actDelete {
			continue
		}
		r := results[i]
		switch {
		case r.done:
			done++
		case r.err != nil:
			what := s.Action + " " + s.Key
			if errors.Is(r.err, api.ErrOutcomeUnknown) {
				what += " (outcome unknown: check with 'voxsip list')"
			}
			failed = append(failed, what)
		default:
			notTried = append(notTried, s.Action+" "+s.Key)
		}
	}
	if done == total {
		if !asJSON {
			fmt.Fprintf(c.stdout, "Applied %d of %d changes.\n", done, total)
		}
		return nil
	}
	msg := fmt.Sprintf("apply: %d of %d changes applied", done, total)
	if len(failed) > 0 {
		msg += "; failed: " + strings.Join(failed, ", ")
	}
	if len(notTried) > 0 {
		msg += "; not tried (interrupted): " + strings.Join(notTried, ", ")
	}
	fmt.Fprintf(c.stderr, "voxsip: %s; run apply again to finish\n", msg)
	return errReported
}

// printPlan prints the plan for people.
func printPlan(w io.Writer, p *plan, opt planOptions) {
	fmt.Fprintf(w, "Plan: %d to create, %d to update, %d to delete, %d unchanged",
		p.count(actCreate), p.count(actUpdate), p.count(actDelete), p.count(actUnchanged))
	if n := p.count(actOrphan); n > 0 {
		fmt.Fprintf(w, ", %d not in the file (left alone; --prune deletes)", n)
	}
	fmt.Fprintln(w)
	for _, s := range p.Steps {
		switch s.Action {
		case actCreate:
			fmt.Fprintf(w, "  + create %s%s\n", s.Key, pwNote(s))
		case actUpdate:
			var parts []string
			for _, ch := range s.Changes {
				parts = append(parts, fmt.Sprintf("%s %s -> %q", ch.Name, fromText(ch.From), ch.To))
			}
			if len(parts) == 0 {
				parts = append(parts, "no field changes")
			}
			fmt.Fprintf(w, "  ~ update %s (id %d): %s%s\n", s.Key, s.ID, strings.Join(parts, ", "), pwNote(s))
		case actDelete:
			fmt.Fprintf(w, "  - delete %s (id %d)\n", s.Key, s.ID)
		case actUnchanged:
			fmt.Fprintf(w, "  = unchanged %s (id %d)\n", s.Key, s.ID)
		case actOrphan:
			fmt.Fprintf(w, "  ? not in the file: %s (id %d), left alone\n", s.Key, s.ID)
		}
	}
	if p.PasswordsNotSent > 0 {
		fmt.Fprintf(w, "note: %d password%s of existing registrations not sent (the API never returns passwords, so they "+
			"cannot be compared); --set-passwords sends them\n", p.PasswordsNotSent, plural(p.PasswordsNotSent))
	}
}

func pwNote(s step) string {
	if s.SendPassword {
		return "; password from " + s.want.pwSource + " will be sent"
	}
	return ""
}

func fromText(from *string) string {
	if from == nil {
		return "(unset)"
	}
	return fmt.Sprintf("%q", *from)
}

// printSteps prints the plan (and results, when applied) as JSON Lines.
func (c *cli) printSteps(p *plan, results []stepResult) {
	for i, s := range p.Steps {
		m := map[string]any{"action": s.Action, "key": s.Key}
		if s.want != nil {
			m["sip_username"], m["proxy"] = s.want.p.SIPUsername, s.want.p.Proxy
		}
		if s.ID != 0 {
			m["sip_registration_id"] = s.ID
		}
		if len(s.Changes) > 0 {
			m["changes"] = s.Changes
		}
		if s.SendPassword {
			m["sends_password"] = true
		}
		if results != nil && (s.Action == actCreate || s.Action == actUpdate || s.Action == actDelete) {
			r := results[i]
			m["applied"] = r.done
			if r.id != 0 {
				m["sip_registration_id"] = r.id
			}
			if r.err != nil {
				m["error"] = oneLine(r.err.Error())
			}
		}
		printJSON(c.stdout, m)
	}
}
