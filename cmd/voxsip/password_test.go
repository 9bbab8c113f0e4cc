package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
)

// TestPasswordsSentAsGivenOrRefused: every password input (--password-file, --password-stdin,
// an apply file's password_file and password_env, a batch line) refuses a password over
// 4096 bytes, after the BOM and line end are dropped (never cut to fit), and one that is not
// UTF-8; exactly 4096 bytes with a BOM and "\r\n" is sent whole.
func TestPasswordsSentAsGivenOrRefused(t *testing.T) {
	atCap, overCap := strings.Repeat("p", maxPasswordBytes), strings.Repeat("q", maxPasswordBytes+1)
	for _, tt := range []struct {
		name, pw, want string
	}{
		{"at the cap", atCap, ""},
		{"over the cap", overCap, "longer than 4096 bytes"},
		{"not UTF-8", "ab\xff\xfecd", "not valid UTF-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, creds := fake(t, seedIDs(1))
			base := []string{"update", "--id", "1", "--credentials", creds, "--base-url", srv.URL}
			dir := t.TempDir()
			file := filepath.Join(dir, "pw")
			os.WriteFile(file, []byte(utf8BOM+tt.pw+"\r\n"), 0o600)
			runs := map[string]result{
				"--password-file":  runCLI(t, nil, append(base, "--password-file", file)),
				"--password-stdin": runCLI(t, strings.NewReader(utf8BOM+tt.pw+"\r\n"), append(base, "--password-stdin")),
			}
			applyFile := filepath.Join(dir, "regs.yaml")
			for i, src := range []string{"password_file: pw", "password_env: VOXSIP_TEST_PW"} {
				t.Setenv("VOXSIP_TEST_PW", tt.pw)
				os.WriteFile(applyFile, []byte(fmt.Sprintf("registrations:\n  - {sip_username: new%d, proxy: p, %s}\n", i, src)), 0o600)
				runs["apply "+src] = runCLI(t, nil, []string{"apply", "-f", applyFile, "--credentials", creds, "--base-url", srv.URL})
			}
			// The bytes as they are: JSON would read invalid UTF-8 as U+FFFD, silently.
			batch := writeFile(t, `{"sip_registration_id": 1, "password": "`+tt.pw+`"}`+"\n")
			runs["batch"] = runCLI(t, nil, []string{"update", "--batch", batch, "--credentials", creds, "--base-url", srv.URL})
			for how, r := range runs {
				if tt.want == "" {
					if r.code != 0 {
						t.Errorf("%s: exit %d, %s", how, r.code, r.stderr)
					}
					continue
				}
				if r.code == 0 || !strings.Contains(r.stdout+r.stderr, tt.want) {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want %q", how, r.code, r.stdout, r.stderr, tt.want)
				}
			}
			var sent []string
			for _, req := range srv.Requests() {
				switch p := req.Params.(type) {
				case *api.UpdateSIPRegistrationParams:
					sent = append(sent, deref(p.Password))
				case *api.CreateSIPRegistrationParams:
					sent = append(sent, deref(p.Password))
				}
			}
			if tt.want != "" && len(sent) != 0 {
				t.Errorf("%d requests sent for a refused password", len(sent))
			}
			if tt.want == "" && (len(sent) != 5 || slices.ContainsFunc(sent, func(s string) bool { return s != atCap })) {
				t.Errorf("%d requests; want 5, each with the password whole", len(sent))
			}
		})
	}
}

// TestPasswordByteOrderMark: a UTF-8 BOM (as Notepad writes) before a password is not sent as
// part of it, and a BOM alone is an empty password.
func TestPasswordByteOrderMark(t *testing.T) {
	srv, creds := fake(t, seedIDs(1))
	base := []string{"update", "--id", "1", "--credentials", creds, "--base-url", srv.URL}
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("\xEF\xBB\xBF"+sentinel+"\r\n"), 0o600)
	if r := runCLI(t, nil, append(base, "--password-file", pwFile)); r.code != 0 {
		t.Fatalf("exit %d, %q", r.code, r.stderr)
	}
	if got := srv.Requests()[0].Params.(*api.UpdateSIPRegistrationParams).Password; got == nil || *got != sentinel {
		t.Errorf("sent password %q, want it without the BOM", deref(got))
	}
	r := runCLI(t, strings.NewReader("\xEF\xBB\xBF\n"), append(base, "--password-stdin"))
	checkOneLine(t, "a BOM alone", r, exitNothing, "the password is empty")
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestPasswordFromStdinIsCapped(t *testing.T) {
	srv, creds := fake(t)
	r := runCLI(t, io.LimitReader(zeroReader{}, 1<<30), []string{"update", "--credentials", creds, "--base-url", srv.URL, "--id", "1", "--password-stdin"})
	if r.code != 2 || !strings.Contains(r.stderr, "longer than 4096 bytes") || len(srv.Requests()) != 0 {
		t.Errorf("exit %d, stderr %q, %d requests", r.code, r.stderr, len(srv.Requests()))
	}
}
