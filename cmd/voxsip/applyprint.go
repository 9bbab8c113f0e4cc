package main

import (
	"fmt"
	"io"
	"strings"
)

// The last stage of apply: the plan and its results, for people or as JSON Lines.

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
			fmt.Fprintf(w, "  + create %s%s%s\n", s.Key, pwNote(s), unbindNote(s))
		case actUpdate:
			var parts []string
			for _, ch := range s.Changes {
				parts = append(parts, fmt.Sprintf("%s %s -> %q", ch.Name, fromText(ch.From), ch.To))
			}
			if len(parts) == 0 {
				parts = append(parts, "no field changes")
			}
			fmt.Fprintf(w, "  ~ update %s (id %d): %s%s%s\n", s.Key, s.ID, strings.Join(parts, ", "), pwNote(s), unbindNote(s))
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

// unbindNote says which registration loses the user the step binds.
func unbindNote(s step) string {
	if s.Unbinds == nil {
		return ""
	}
	return fmt.Sprintf("; unbinds %s from %s (id %d)", boundUser(s.want), keyOf(*s.Unbinds), s.Unbinds.SIPRegistrationID)
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
		m := map[string]any{"action": s.Action, "key": s.Key.joined()}
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
		if s.Unbinds != nil {
			m["unbinds_user_from"] = s.Unbinds.SIPRegistrationID
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
