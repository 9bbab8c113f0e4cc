package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/internal/params"
)

const updateExample = `  voxsip update --credentials credentials.json --id 1 --application-name app --user-name alice --outbound-proxy ''
  printf '%s\n' "$SIP_PASSWORD" | voxsip update --id 1 --password-stdin
  voxsip update --batch updates.jsonl --concurrency 8 --rps 20   # one JSON object per line, keys as in the API`

const updateAbout = `Updates a SIP registration (UpdateSipRegistration). A flag given with an empty value sends the
empty string, which clears the field; a flag left out leaves the field alone. The SIP password
is never a flag: use --password-stdin or --password-file. The API's rules are checked before
anything is sent: --application-id/--application-name, --rule-id/--rule-name and
--user-id/--user-name are alternatives, and --rule-name, --user-id or --user-name need
--application-id or --application-name. Binding to a user unbinds that user's previous
registration.`

var updateOp = params.For[api.UpdateSIPRegistrationParams]()

// flagName is the command-line flag of an API parameter.
func flagName(param string) string {
	if param == "sip_registration_id" {
		return "id"
	}
	return strings.ReplaceAll(param, "_", "-")
}

// paramFlags maps API names in messages to flags.
var paramFlags = func() *strings.Replacer {
	var pairs []string
	for _, f := range updateOp.Fields {
		to := "--" + flagName(f.Name)
		if f.Secret {
			to = "--password-stdin/--password-file"
		}
		pairs = append(pairs, f.Name, to)
	}
	return strings.NewReplacer(pairs...)
}()

type updateFlags struct {
	common        commonFlags
	p             api.UpdateSIPRegistrationParams
	setParams     []string // API names of the parameter flags given
	passwordStdin bool
	passwordFile  string
	dryRun        bool
	json          bool
	batch         string
	concurrency   int
	rps           float64
}

func (c *cli) update(args []string) int {
	fs := c.newFlags("update", "--id N [flags] | --batch FILE [flags]", updateAbout, updateExample)
	var uf updateFlags
	uf.common.register(fs)
	for _, f := range updateOp.Fields {
		if f.Secret { // never a flag: it would land in shell history and ps
			continue
		}
		name := f.Name
		usage := "set " + name + " to `TEXT` (empty clears it)"
		switch {
		case f.Required:
			usage = "the SIP registration `ID` (required)"
		case f.Kind == reflect.Int64:
			usage = "set " + name + " to `N`"
		}
		fs.Func(flagName(name), usage, func(v string) error {
			uf.setParams = append(uf.setParams, name)
			return updateOp.Set(&uf.p, name, v)
		})
	}
	fs.BoolVar(&uf.passwordStdin, "password-stdin", false, "read the SIP password from the first line of standard input")
	fs.StringVar(&uf.passwordFile, "password-file", "", "read the SIP password from `FILE` (trailing newline dropped)")
	fs.BoolVar(&uf.dryRun, "dry-run", false, "check the request and print it (password masked); send nothing")
	fs.BoolVar(&uf.json, "json", false, "print the result as JSON on stdout")
	fs.StringVar(&uf.batch, "batch", "", "apply the updates in `FILE`: JSON Lines, one object of API parameters per line")
	fs.IntVar(&uf.concurrency, "concurrency", 4, "with --batch: `N` updates in flight at once")
	fs.Float64Var(&uf.rps, "rps", 0, "with --batch: at most `R` requests per second (0: no limit)")
	if code, done := c.parse(fs, args); done {
		return code
	}
	if uf.batch != "" {
		return c.batchUpdate(&uf)
	}
	if err := c.readPassword(&uf); err != nil {
		return c.fail(err)
	}
	if err := api.ValidateUpdateSIPRegistration(&uf.p); err != nil {
		return c.fail(flagError(err))
	}
	if uf.dryRun {
		return c.printDryRun(&uf)
	}

	client, err := uf.common.client()
	if err != nil {
		return c.fail(err)
	}
	ctx, cancel := context.WithTimeout(c.ctx, uf.common.timeout)
	defer cancel()
	err = client.UpdateSIPRegistration(ctx, &uf.p)
	if uf.json {
		c.printJSON(resultJSON(0, uf.p.SIPRegistrationID, err))
	}
	if err != nil {
		return c.fail(err)
	}
	if !uf.json {
		fmt.Fprintf(c.stdout, "updated SIP registration %d\n", uf.p.SIPRegistrationID)
	}
	return exitOK
}

// readPassword fills the password from --password-stdin or --password-file.
func (c *cli) readPassword(uf *updateFlags) error {
	var (
		pw  string
		err error
	)
	switch {
	case uf.passwordStdin && uf.passwordFile != "":
		return usagef("--password-stdin and --password-file are alternatives: give one")
	case uf.passwordStdin:
		pw, err = bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the password from standard input: %w", err)
		}
		if err != nil && pw == "" {
			return usagef("--password-stdin: standard input is empty")
		}
	case uf.passwordFile != "":
		var b []byte
		if b, err = os.ReadFile(uf.passwordFile); err != nil {
			return fmt.Errorf("--password-file: %w", err)
		}
		pw = string(b)
	default:
		return nil
	}
	pw = strings.TrimSuffix(strings.TrimSuffix(pw, "\n"), "\r")
	uf.p.Password = &pw
	return nil
}

// flagError rewords a *api.ValidationError in terms of flags.
func flagError(err error) error {
	var ve *api.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	parts := make([]string, len(ve.Violations))
	for i, v := range ve.Violations {
		flags := make([]string, len(v.Params))
		for j, p := range v.Params {
			flags[j] = paramFlags.Replace(p)
		}
		parts[i] = strings.Join(flags, ", ") + ": " + paramFlags.Replace(v.Reason)
	}
	return &usageError{msg: "invalid flags: " + strings.Join(parts, "; ")}
}

// maskedParams lists the parameters as they would be sent, secrets masked.
func maskedParams(p any) [][2]string {
	var out [][2]string
	op := updateOp
	if r, ok := p.(*apitest.Request); ok {
		op, _ = params.ByID(r.Operation)
		p = r.Params
	}
	op.EachMasked(p, func(f *params.Field, value string) { out = append(out, [2]string{f.Name, value}) })
	return out
}

func (c *cli) printDryRun(uf *updateFlags) int {
	url := strings.TrimSuffix(uf.common.baseURL, "/") + "/UpdateSipRegistration"
	ps := maskedParams(&uf.p)
	if uf.json {
		m := map[string]string{}
		for _, kv := range ps {
			m[kv[0]] = kv[1]
		}
		c.printJSON(map[string]any{"dry_run": true, "ok": true, "method": "POST", "url": url, "params": m})
		return exitOK
	}
	fmt.Fprintf(c.stdout, "POST %s\n", url)
	for _, kv := range ps {
		fmt.Fprintf(c.stdout, "  %s=%q\n", kv[0], kv[1])
	}
	fmt.Fprintln(c.stdout, "dry run: the request is valid; nothing was sent")
	return exitOK
}

// resultJSON is the machine-readable outcome of one update (line 0: not from a batch).
func resultJSON(line int, id int64, err error) map[string]any {
	m := map[string]any{"ok": err == nil}
	if line > 0 {
		m["line"] = line
	}
	if id != 0 {
		m["sip_registration_id"] = id
	}
	if err != nil {
		m["error"] = oneLine(err.Error())
		var apiErr *api.Error
		if errors.As(err, &apiErr) {
			m["code"] = int(apiErr.Code)
		}
		m["exit_code"] = exitCode(err)
	}
	return m
}

func (c *cli) printJSON(v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(c.stdout, "%s\n", b)
}
