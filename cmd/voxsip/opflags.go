package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/params"
)

// flagName is the command-line flag of an API parameter: sip_registration_id is --id, the rest
// are the API name with dashes (application_id: --application-id).
func flagName(param string) string {
	if param == "sip_registration_id" {
		return "id"
	}
	return strings.ReplaceAll(param, "_", "-")
}

// opFlags are the flags of one operation's parameters, generated from the spec (generated.
// Operations via internal/params): a parameter added to openapi.yaml becomes a flag with go
// generate alone. Secret parameters never become flags.
type opFlags struct {
	op  *params.Op
	p   any      // *XParams being filled
	set []string // API names given, in order
}

// paramValue is a pflag.Value that parses into the operation's Params by API name.
type paramValue struct {
	of   *opFlags
	f    params.Field
	text string
}

func (v *paramValue) String() string { return v.text }
func (v *paramValue) Type() string {
	switch v.f.Type {
	case "integer":
		return "int"
	case "number":
		return "float"
	case "boolean":
		return "bool"
	}
	return "string"
}
func (v *paramValue) Set(s string) error {
	if s == "" && v.f.Type == "string" && v.of.op == opGet {
		return fmt.Errorf("--%s: an empty filter matches every registration: leave the flag out", flagName(v.f.Name))
	}
	if s == "" && v.f.Type == "string" && !emptyClears(v.of.op) {
		return fmt.Errorf("--%s: an empty value is refused (%s clears nothing): leave the flag out", flagName(v.f.Name), v.of.op.ID)
	}
	if err := v.of.op.Set(v.of.p, v.f.Name, s); err != nil {
		return errors.New(strings.Replace(err.Error(), "parameter "+v.f.Name, "--"+flagName(v.f.Name), 1))
	}
	v.text = s
	if !slices.Contains(v.of.set, v.f.Name) {
		v.of.set = append(v.of.set, v.f.Name)
	}
	return nil
}

// IsBoolFlag lets --is-persistent stand alone for true.
func (v *paramValue) IsBoolFlag() bool { return v.f.Type == "boolean" }

// addOpFlags registers a flag for each non-secret parameter of op into p (a *XParams), except
// those in skip.
func addOpFlags(cmd *cobra.Command, op *params.Op, p any, skip ...string) *opFlags {
	of := &opFlags{op: op, p: p}
	for _, f := range op.Fields {
		if f.Secret || slices.Contains(skip, f.Name) {
			continue // a secret flag would land in shell history and ps
		}
		usage := f.Description
		if len(f.Enum) > 0 {
			usage += " (one of " + strings.Join(f.Enum, ", ") + ")"
		}
		if f.Required {
			usage += " (required)"
		} else if f.Type == "string" && f.MinLength == 0 && len(f.Enum) == 0 && f.Pattern == "" && emptyClears(op) {
			usage += " (an empty value clears it)"
		}
		fl := cmd.Flags().VarPF(&paramValue{of: of, f: f}, flagName(f.Name), "", usage)
		if f.Type == "boolean" {
			fl.NoOptDefVal = "true"
		}
	}
	return of
}

// emptyClears reports whether an empty string flag clears the field (UpdateSipRegistration);
// elsewhere an empty value is refused.
func emptyClears(op *params.Op) bool { return op == opUpdate.op }

// flagWording rewords API parameter names in a validation error as flags; aliases ("bind=false":
// "--unbind") reword a condition on a parameter that is no flag as the flag that sets it.
func flagWording(op *params.Op, err error, aliases map[string]string) error {
	var ve *api.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var pairs []string
	for cond, flag := range aliases {
		name, value, _ := strings.Cut(cond, "=")
		pairs = append(pairs, name+" is "+value, flag+" is given")
	}
	for _, f := range op.Fields {
		to := "--" + flagName(f.Name)
		if f.Secret {
			to = "--password-stdin/--password-file"
		}
		pairs = append(pairs, f.Name, to)
	}
	r := strings.NewReplacer(pairs...)
	parts := make([]string, len(ve.Violations))
	for i, v := range ve.Violations {
		names := make([]string, len(v.Params))
		for j, p := range v.Params {
			names[j] = r.Replace(p)
		}
		parts[i] = strings.Join(names, ", ") + ": " + r.Replace(v.Reason)
	}
	return &usageError{msg: "invalid flags: " + strings.Join(parts, "; ")}
}

// maskedParams lists the parameters p sets, as they would be sent, secrets masked.
func maskedParams(op *params.Op, p any) [][2]string {
	var out [][2]string
	op.EachMasked(p, func(f *params.Field, value string) { out = append(out, [2]string{f.Name, value}) })
	return out
}

// paramFlag is how a command line gives an API parameter: its flag, the password flags for a
// secret one, or an alias from aliases ("bind=false": "--unbind") for "name=value".
func paramFlag(op *params.Op, name string) string {
	if f, ok := op.Lookup(name); ok && f.Secret {
		return "--password-stdin/--password-file"
	}
	return "--" + flagName(name)
}

// flagList joins flags as "--a, --b or --c" (last joins the final two).
func flagList(op *params.Op, names []string, last string) string {
	fs := make([]string, len(names))
	for i, n := range names {
		fs[i] = paramFlag(op, n)
	}
	if len(fs) < 2 {
		return strings.Join(fs, "")
	}
	return strings.Join(fs[:len(fs)-1], ", ") + " " + last + " " + fs[len(fs)-1]
}

// rulesHelp states op's x-voxsip-rules (op.Rules) as flags, one per line, for a command's help:
// a rule added to openapi.yaml shows here with go generate alone. aliases rewords an Unless
// condition ("bind=false") as the flag that sets it ("--unbind"); without one it reads
// "--bind=false". It returns "" when op has no rules.
func rulesHelp(op *params.Op, aliases map[string]string) string {
	var lines []string
	for _, r := range op.Rules {
		var parts []string
		if len(r.AtMostOne) > 1 {
			parts = append(parts, "at most one of "+flagList(op, r.AtMostOne, "and"))
		}
		if len(r.RequireAny) > 0 {
			need := flagList(op, r.RequireAny, "or")
			switch {
			case len(r.IfAny) > 0:
				verb := "needs"
				if len(r.IfAny) > 1 {
					verb = "need"
				}
				parts = append(parts, flagList(op, r.IfAny, "or")+" "+verb+" "+need)
			case len(r.RequireAny) == 1:
				parts = append(parts, need+" is required")
			default:
				parts = append(parts, "one of "+need+" is required")
			}
		}
		if len(parts) == 0 {
			continue
		}
		line := strings.Join(parts, "; ")
		if r.Unless != "" {
			cond, ok := aliases[r.Unless]
			if !ok {
				name, value, _ := strings.Cut(r.Unless, "=")
				cond = paramFlag(op, name) + "=" + value
			}
			line += ", unless " + cond
		}
		lines = append(lines, "  - "+line)
	}
	if len(lines) == 0 {
		return ""
	}
	return "The API's parameter rules, checked before anything is sent:\n" + strings.Join(lines, "\n")
}
