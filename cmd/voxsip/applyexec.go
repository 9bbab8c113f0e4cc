package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/voxsip/voxsip/api"
)

// The third stage of apply: the plan's changes sent one at a time, and the report.

// stepResult is what became of one step.
type stepResult struct {
	done bool
	id   int64
	err  error
}

// execute applies the steps one at a time; a failure does not stop the others, Ctrl-C does.
// After a failed write to out it sends nothing more, and says the result it could not write
// on stderr.
func (c *cli) execute(cl *api.Client, common *commonFlags, p *plan, out *checkedWriter) []stepResult {
	results := make([]stepResult, len(p.Steps))
	for i, s := range p.Steps {
		if s.Action != actCreate && s.Action != actUpdate && s.Action != actDelete {
			continue
		}
		if c.ctx.Err() != nil || out.err != nil {
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
			line := fmt.Sprintf("%s %s (id %d)\n", pastTense(s.Action), s.Key, id)
			if err != nil {
				line = fmt.Sprintf("FAILED %s %s: %s\n", s.Action, s.Key, oneLine(err.Error()))
			}
			if _, werr := io.WriteString(c.stdout, line); werr != nil {
				fmt.Fprintf(c.stderr, "voxsip: result not written: %s", line)
			}
		}
	}
	return results
}

func pastTense(action string) string {
	return map[string]string{actCreate: "created", actUpdate: "updated", actDelete: "deleted"}[action]
}

// report prints the outcome; a failure, an interruption or a failed write (outErr) is an
// error, and then every change applied is named on stderr.
func (c *cli) report(p *plan, results []stepResult, asJSON bool, outErr error) error {
	total, done := p.changes(), 0
	var applied, failed, notTried []string
	for i, s := range p.Steps {
		if s.Action != actCreate && s.Action != actUpdate && s.Action != actDelete {
			continue
		}
		r := results[i]
		switch {
		case r.done:
			done++
			applied = append(applied, fmt.Sprintf("%s %s (id %d)", s.Action, s.Key, r.id))
		case r.err != nil:
			what := s.Action + " " + s.Key.String()
			if errors.Is(r.err, api.ErrOutcomeUnknown) {
				what += " (outcome unknown: check with 'voxsip list')"
			}
			failed = append(failed, what)
		default:
			notTried = append(notTried, s.Action+" "+s.Key.String())
		}
	}
	if done == total && outErr == nil {
		if !asJSON {
			fmt.Fprintf(c.stdout, "Applied %d of %d changes.\n", done, total)
		}
		return nil
	}
	msg := fmt.Sprintf("apply: %d of %d changes applied", done, total)
	if outErr != nil {
		msg = fmt.Sprintf("apply: writing to standard output failed (%s), so apply stopped; %d of %d changes applied",
			oneLine(outErr.Error()), done, total)
		if len(applied) > 0 {
			msg += ": " + strings.Join(applied, ", ")
		}
	}
	if len(failed) > 0 {
		msg += "; failed: " + strings.Join(failed, ", ")
	}
	if len(notTried) > 0 {
		msg += "; not tried (stopped): " + strings.Join(notTried, ", ")
	}
	fmt.Fprintf(c.stderr, "voxsip: %s; run apply again to finish\n", msg)
	return errReported
}
