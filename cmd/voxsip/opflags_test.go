package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
)

// TestHelpStatesEveryRule: the help of each write command names, as flags of that command, every
// parameter of every x-voxsip-rules entry of its operation.
func TestHelpStatesEveryRule(t *testing.T) {
	c := &cli{env: &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}, ctx: context.Background(), hard: context.Background()}
	root := c.rootCmd()
	for name, o := range map[string]operation{"create": opCreate, "update": opUpdate, "bind": opBind, "delete": opDelete} {
		cmd, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		help := cmd.Long
		_, rulesPart, found := strings.Cut(help, "The API's parameter rules")
		if len(o.op.Rules) > 0 && !found {
			t.Errorf("%s: help states no rules:\n%s", name, help)
			continue
		}
		// The rules part ends at the first blank line.
		rulesPart, _, _ = strings.Cut(rulesPart, "\n\n")
		lines := strings.Split(rulesPart, "\n")
		for _, r := range o.op.Rules {
			// One line of the help states the rule: it names each of its parameters as a flag.
			var flags []string
			for _, p := range slices.Concat(r.AtMostOne, r.IfAny, r.RequireAny) {
				flag := paramFlag(o.op, p)
				flags = append(flags, flag)
				for _, f := range strings.Split(flag, "/") {
					if cmd.Flags().Lookup(strings.TrimPrefix(f, "--")) == nil {
						t.Errorf("%s: the help names %s, which is not a flag", name, f)
					}
				}
			}
			if r.Unless != "" {
				cond := "--" + flagName(r.Unless)
				if name == "bind" {
					cond = bindAliases[r.Unless]
				}
				flagOnly, _, _ := strings.Cut(strings.TrimPrefix(cond, "--"), "=")
				if cmd.Flags().Lookup(flagOnly) == nil {
					t.Errorf("%s: rule %+v: %q is not a flag", name, r, cond)
				}
				flags = append(flags, "unless "+cond)
			}
			if !slices.ContainsFunc(lines, func(l string) bool {
				return strings.HasPrefix(l, "  - ") && !slices.ContainsFunc(flags, func(f string) bool { return !strings.Contains(l, f) })
			}) {
				t.Errorf("%s: no line of the help's rules names all of %q (rule %+v):\n%s", name, flags, r, rulesPart)
			}
		}
	}
}

// TestRulesHelpFollowsTheSpec: a rule added to the operation table shows in the help with no
// other change, secret parameters as the password flags.
func TestRulesHelpFollowsTheSpec(t *testing.T) {
	info := *opCreate.op.OperationInfo
	info.Rules = append(slices.Clone(info.Rules),
		generated.RuleInfo{AtMostOne: []string{"auth_user", "outbound_proxy", "proxy"}},
		generated.RuleInfo{IfAny: []string{"auth_user"}, RequireAny: []string{"password"}, Unless: "is_persistent=false"},
		generated.RuleInfo{RequireAny: []string{"rule_id", "rule_name"}},
	)
	op := *opCreate.op
	op.OperationInfo = &info
	got := rulesHelp(&op, nil)
	for _, want := range []string{
		"  - at most one of --application-id and --application-name\n",
		"  - --rule-name, --user-id or --user-name need --application-id or --application-name\n",
		"  - at most one of --auth-user, --outbound-proxy and --proxy\n",
		"  - --auth-user needs --password-stdin/--password-file, unless --is-persistent=false\n",
		"  - one of --rule-id or --rule-name is required",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rulesHelp lacks %q:\n%s", want, got)
		}
	}
	if got := rulesHelp(params.For[generated.DeleteSIPRegistrationParams](), nil); got != "" {
		t.Errorf("an operation without rules: %q", got)
	}
}
