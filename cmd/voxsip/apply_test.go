package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

func entry(t *testing.T, yaml string, env map[string]string) *desired {
	t.Helper()
	ds, err := parseApplyFile([]byte("registrations:\n"+yaml), t.TempDir(), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil || len(ds) != 1 {
		t.Fatalf("parse: %v", err)
	}
	return ds[0]
}

func reg(id int64, user, proxy string, mod func(*api.SIPRegistration)) api.SIPRegistration {
	r := api.SIPRegistration{SIPRegistrationID: id, SIPUsername: user, Proxy: proxy, IsPersistent: true}
	if mod != nil {
		mod(&r)
	}
	return r
}

func TestMakePlan(t *testing.T) {
	pwEnv := map[string]string{"PW": sentinel}
	tests := []struct {
		name    string
		want    []*desired
		have    []api.SIPRegistration
		opt     planOptions
		actions []string
		check   func(t *testing.T, p *plan)
		wantErr string
	}{
		{name: "create with password",
			want:    []*desired{entry(t, "- {sip_username: a, proxy: p, password_env: PW, application_name: app}", pwEnv)},
			actions: []string{"create a@p"},
			check: func(t *testing.T, p *plan) {
				s := p.Steps[0]
				if !s.SendPassword || *s.Create.Password != sentinel || *s.Create.ApplicationName != "app" {
					t.Errorf("create step %+v", s.Create)
				}
			}},
		{name: "unchanged; absent string equals empty; password not sent",
			want:    []*desired{entry(t, "- {sip_username: a, proxy: p, auth_user: u, outbound_proxy: '', password_env: PW}", pwEnv)},
			have:    []api.SIPRegistration{reg(5, "a", "p", func(r *api.SIPRegistration) { r.AuthUser = api.Ptr("u") })},
			actions: []string{"unchanged a@p"},
			check: func(t *testing.T, p *plan) {
				if p.PasswordsNotSent != 1 || p.changes() != 0 {
					t.Errorf("PasswordsNotSent %d, changes %d", p.PasswordsNotSent, p.changes())
				}
			}},
		{name: "--set-passwords makes it an update",
			want:    []*desired{entry(t, "- {sip_username: a, proxy: p, password_env: PW}", pwEnv)},
			have:    []api.SIPRegistration{reg(5, "a", "p", nil)},
			opt:     planOptions{setPasswords: true},
			actions: []string{"update a@p"},
			check: func(t *testing.T, p *plan) {
				want := &api.UpdateSIPRegistrationParams{SIPRegistrationID: 5, Password: api.Ptr(sentinel)}
				if !reflect.DeepEqual(p.Steps[0].Update, want) {
					t.Errorf("update %+v", p.Steps[0].Update)
				}
			}},
		{name: "update sends the changed fields only",
			want: []*desired{entry(t, "- {sip_username: a, proxy: p, auth_user: new, outbound_proxy: op}", nil)},
			have: []api.SIPRegistration{reg(5, "a", "p", func(r *api.SIPRegistration) {
				r.AuthUser, r.OutboundProxy = api.Ptr("old"), api.Ptr("op")
			})},
			actions: []string{"update a@p"},
			check: func(t *testing.T, p *plan) {
				want := &api.UpdateSIPRegistrationParams{SIPRegistrationID: 5, AuthUser: api.Ptr("new")}
				if s := p.Steps[0]; !reflect.DeepEqual(s.Update, want) || len(s.Changes) != 1 || *s.Changes[0].From != "old" {
					t.Errorf("update %+v, changes %+v", s.Update, s.Changes)
				}
			}},
		{name: "a changed binding sends the whole binding",
			want: []*desired{entry(t, "- {sip_username: a, proxy: p, application_name: app, user_name: bob}", nil)},
			have: []api.SIPRegistration{reg(5, "a", "p", func(r *api.SIPRegistration) {
				r.ApplicationName, r.UserName = api.Ptr("app"), api.Ptr("alice")
			})},
			actions: []string{"update a@p"},
			check: func(t *testing.T, p *plan) {
				want := &api.UpdateSIPRegistrationParams{SIPRegistrationID: 5, ApplicationName: api.Ptr("app"), UserName: api.Ptr("bob")}
				if err := api.ValidateUpdateSIPRegistration(p.Steps[0].Update); err != nil || !reflect.DeepEqual(p.Steps[0].Update, want) {
					t.Errorf("update %+v (%v)", p.Steps[0].Update, err)
				}
			}},
		{name: "not in the file: left alone",
			have:    []api.SIPRegistration{reg(7, "x", "p", nil), reg(6, "y", "p", nil)},
			actions: []string{"not-in-file y@p", "not-in-file x@p"}},
		{name: "--prune deletes",
			want:    []*desired{entry(t, "- {sip_username: a, proxy: p}", nil)},
			have:    []api.SIPRegistration{reg(7, "x", "p", nil), reg(5, "a", "p", nil)},
			opt:     planOptions{prune: true},
			actions: []string{"unchanged a@p", "delete x@p"}},
		{name: "identity is username and proxy",
			want:    []*desired{entry(t, "- {sip_username: a, proxy: q}", nil)},
			have:    []api.SIPRegistration{reg(5, "a", "p", nil)},
			actions: []string{"create a@q", "not-in-file a@p"}},
		{name: "is_persistent cannot be updated",
			want:    []*desired{entry(t, "- {sip_username: a, proxy: p, is_persistent: false}", nil)},
			have:    []api.SIPRegistration{reg(5, "a", "p", nil)},
			wantErr: "is_persistent is false in the file but true on the service"},
		{name: "ambiguous identity",
			want:    []*desired{entry(t, "- {sip_username: a, proxy: p}", nil)},
			have:    []api.SIPRegistration{reg(5, "a", "p", nil), reg(6, "a", "p", nil)},
			wantErr: "2 registrations (ids 5, 6) match a@p"},
		{name: "twice in the file",
			want:    []*desired{entry(t, "- {sip_username: a, proxy: p}", nil), entry(t, "- {sip_username: a, proxy: p}", nil)},
			wantErr: "a@p is in the file twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := makePlan(tt.want, tt.have, tt.opt)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range p.Steps {
				got = append(got, s.Action+" "+s.Key.String())
			}
			if !reflect.DeepEqual(got, tt.actions) {
				t.Errorf("plan %q, want %q", got, tt.actions)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func writes(srv *apitest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Operation != "GetSipRegistrations" {
			n++
		}
	}
	return n
}

func TestApplyEndToEnd(t *testing.T) {
	srv, creds := fake(t, apitest.WithRegistrations(
		api.SIPRegistration{SIPUsername: "old", Proxy: "sip.example.com", IsPersistent: true},                         // id 1
		api.SIPRegistration{SIPUsername: "bob", Proxy: "sip.example.com", IsPersistent: true, AuthUser: api.Ptr("x")}, // id 2
	))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "alice.pw"), []byte(sentinel+"\n"), 0o600)
	file := filepath.Join(dir, "regs.yaml")
	os.WriteFile(file, []byte(`registrations:
  - sip_username: alice
    proxy: sip.example.com
    password_file: alice.pw
    application_name: pbx
    user_name: alice
  - sip_username: bob
    proxy: sip.example.com
    auth_user: bob-auth
`), 0o600)
	base := []string{"apply", "-f", file, "--credentials", creds, "--base-url", srv.URL}

	r := runCLI(t, nil, append(base, "--dry-run"))
	if r.code != 0 || writes(srv) != 0 || !strings.Contains(r.stdout, "Plan: 1 to create, 1 to update, 0 to delete, 0 unchanged, 1 not in the file") ||
		!strings.Contains(r.stdout, "dry run: nothing was changed") {
		t.Fatalf("--dry-run: exit %d, %d writes, stdout:\n%s", r.code, writes(srv), r.stdout)
	}
	for _, want := range []string{
		"+ create alice@sip.example.com; password from " + filepath.Join(dir, "alice.pw") + " will be sent",
		`~ update bob@sip.example.com (id 2): auth_user "x" -> "bob-auth"`,
		"? not in the file: old@sip.example.com (id 1), left alone",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}

	r = runCLI(t, nil, base)
	if r.code != 0 || !strings.Contains(r.stdout, "Applied 2 of 2 changes.") {
		t.Fatalf("apply: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	reqs := srv.Requests()
	var created *api.CreateSIPRegistrationParams
	for _, req := range reqs {
		if p, ok := req.Params.(*api.CreateSIPRegistrationParams); ok {
			created = p
		}
	}
	if created == nil || created.Password == nil || *created.Password != sentinel || *created.UserName != "alice" {
		t.Errorf("create sent %v", apitest.Request{Operation: "CreateSipRegistration", Params: created})
	}

	before := writes(srv)
	r = runCLI(t, nil, base)
	if r.code != 0 || writes(srv) != before || !strings.Contains(r.stdout, "No changes: 2 registrations match the file.") {
		t.Fatalf("second apply: exit %d, %d new writes, stdout:\n%s", r.code, writes(srv)-before, r.stdout)
	}

	r = runCLI(t, nil, append(base, "--prune"))
	if r.code != 0 || !strings.Contains(r.stdout, "deleted old@sip.example.com (id 1)") || len(srv.Registrations()) != 2 {
		t.Fatalf("--prune: exit %d, stdout:\n%s", r.code, r.stdout)
	}
}

func TestApplyPartialFailureReportsWhatWasApplied(t *testing.T) {
	srv, creds := fake(t, apitest.WithRegistrations(api.SIPRegistration{SIPUsername: "bob", Proxy: "p", IsPersistent: true}))
	file := writeFile(t, "registrations:\n  - {sip_username: bob, proxy: p, auth_user: b2}\n  - {sip_username: carol, proxy: p}\n")
	srv.EnqueueFor("UpdateSipRegistration", apitest.Error(104, "forbidden"))
	r := runCLI(t, nil, []string{"apply", "-f", file, "--credentials", creds, "--base-url", srv.URL})
	if r.code != 1 || !strings.Contains(r.stderr, "apply: 1 of 2 changes applied; failed: update bob@p") ||
		!strings.Contains(r.stdout, "created carol@p") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	// A bad file sends nothing at all: exit 2.
	bad := writeFile(t, "registrations:\n  - {sip_username: a, proxy: p, password: x}\n")
	n := len(srv.Requests())
	r = runCLI(t, nil, []string{"apply", "-f", bad, "--credentials", creds, "--base-url", srv.URL})
	if r.code != 2 || len(srv.Requests()) != n {
		t.Errorf("bad file: exit %d, %d requests", r.code, len(srv.Requests())-n)
	}
}

// apply --prune with a file that lists no registration (an empty or missing list) is refused
// before anything is read or sent: it would delete every registration of the account. Without
// --prune the same file changes nothing.
func TestApplyPruneRefusesAnEmptyFile(t *testing.T) {
	srv, creds := fake(t, apitest.WithRegistrations(api.SIPRegistration{SIPUsername: "a", Proxy: "p", IsPersistent: true}))
	for _, content := range []string{"registrations:\n", "registrations: []\n", "registrations: ~\n", "{}\n", "# nothing\n"} {
		for _, args := range [][]string{{"-f", writeFile(t, content)}, {"-f", writeFile(t, content), "--dry-run"}, {"-f", "-"}} {
			r := runCLI(t, strings.NewReader(content), append([]string{"apply", "--prune", "--credentials", creds, "--base-url", srv.URL}, args...))
			if r.code != exitNothing || len(srv.Requests()) != 0 || len(srv.Registrations()) != 1 {
				t.Errorf("%q %v: exit %d, %d requests; stderr %q", content, args[1:], r.code, len(srv.Requests()), r.stderr)
			}
			if strings.HasPrefix(content, "registrations") {
				checkOneLine(t, content, r, exitNothing, "lists no registration: with --prune that deletes every registration of the account")
			}
		}
	}
	r := runCLI(t, nil, []string{"apply", "-f", writeFile(t, "registrations: []\n"), "--credentials", creds, "--base-url", srv.URL})
	if r.code != 0 || writes(srv) != 0 || !strings.Contains(r.stdout, "1 not in the file") {
		t.Errorf("without --prune: exit %d, %d writes, stdout %q, stderr %q", r.code, writes(srv), r.stdout, r.stderr)
	}
}
