package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/printable"
)

// What a single-operation command prints once the request succeeded.

// printDone prints the outcome of a request that took effect: "<verb> SIP registration N", or
// with --json the result object (see singleResult). The write is checked: when it fails, the
// error says what took effect and its id, on standard error, so that nobody repeats it blindly.
func (c *cli) printDone(o operation, asJSON bool, id int64, res any) error {
	var err error
	switch {
	case o.body && asJSON: // an operation without a command of its own (call): its body as it came
		err = printJSON(c.stdout, res)
	case o.body:
		err = printBody(c.stdout, res)
	case asJSON:
		var obj map[string]any
		if obj, err = singleResult(id, res); err == nil {
			err = printJSON(c.stdout, obj)
		}
	case id != 0:
		_, err = fmt.Fprintf(c.stdout, "%s SIP registration %d\n", o.verb, id)
	default:
		_, err = fmt.Fprintf(c.stdout, "%s\n", o.verb)
	}
	if err == nil {
		return nil
	}
	what := o.verb
	if id != 0 {
		what = fmt.Sprintf("%s SIP registration %d", o.verb, id)
	}
	return fmt.Errorf("%s, but writing that to standard output failed: %w", what, err)
}

// singleResult is the --json result of every single-operation command:
// {"ok":true,"sip_registration_id":N} plus the fields of the operation's answer other than the
// API's "result" flag (create adds "account_info").
func singleResult(id int64, res any) (map[string]any, error) {
	obj := map[string]any{}
	if res != nil {
		b, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			return nil, fmt.Errorf("the answer is not a JSON object: %w", err)
		}
		for k, v := range fields {
			obj[k] = v
		}
		delete(obj, "result")
	}
	obj["ok"] = true
	if id != 0 {
		obj["sip_registration_id"] = id
	}
	return obj, nil
}

// printJSON writes v as one line of JSON, with what a terminal would act on inside its strings
// escaped (printable.JSON: the same JSON value).
func printJSON(w io.Writer, v any) error {
	line, err := appendJSON(nil, v)
	if err != nil {
		return err
	}
	_, err = w.Write(line)
	return err
}

// appendJSON appends v to buf as printJSON writes it: one line of JSON, escaped by printable.JSON.
func appendJSON(buf []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return buf, err
	}
	return append(append(buf, printable.JSON(b)...), '\n'), nil
}

// listHeader heads list's table; it is printed with the first row (or when there is none), never
// before a failure.
const listHeader = "ID\tSIP_USERNAME\tPROXY\tAUTH_USER\tPERSISTENT\tSTATUS\tBOUND_TO"

// listRow is one registration in list's table: what the service sent, escaped so that no
// control character reaches the terminal and no tab or newline forges a column or a row.
func listRow(reg api.SIPRegistration) string {
	return fmt.Sprintf("%d\t%s\t%s\t%s\t%t\t%s\t%s", reg.SIPRegistrationID, printable.String(reg.SIPUsername), printable.String(reg.Proxy),
		printable.String(deref(reg.AuthUser)), reg.IsPersistent, printable.String(status(reg)), printable.String(boundTo(reg)))
}

// checkSetsAField refuses an update that would change nothing ('update --id 3' alone): it would
// be sent and say "updated".
func checkSetsAField(op *params.Op, set []string, password bool) error {
	if !emptyClears(op) || password {
		return nil
	}
	for _, name := range set {
		if f, ok := op.Lookup(name); ok && !f.Required {
			return nil
		}
	}
	return usagef("nothing to update: give at least one field to change (see the flags in --help) or a password; nothing was sent")
}

// checkedWriter writes to w until a write fails, and remembers that error; later writes fail
// with it, unsent.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (cw *checkedWriter) Write(p []byte) (int, error) {
	if cw.err != nil {
		return 0, cw.err
	}
	n, err := cw.w.Write(p)
	cw.err = err
	return n, err
}
