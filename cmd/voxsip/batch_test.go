package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api/apitest"
)

func writeBatch(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "batch.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBatchGoodAndBadLines(t *testing.T) {
	srv, creds := fake(t)
	batch := writeBatch(t,
		`{"sip_registration_id": 1, "proxy": "p1", "password": "`+sentinel+`"}`,
		``,
		`{"sip_registration_id": 2, "pasword": "`+sentinel+`"}`,
		`{"sip_registration_id": 3, "password": "`+sentinel[:5]+`\q"}`,
		`{"sip_registration_id": 4, "user_id": 9}`,
		`{"sip_registration_id": "5"}`,
		`{"sip_registration_id": 6, "application_id": 2, "user_name": "u", "outbound_proxy": ""}`,
		`[1]`,
	)
	r := runCLI(t, context.Background(), "", []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--concurrency", "3"})
	if r.code != 2 {
		t.Errorf("exit %d, want 2 (bad lines, no API failure); stderr: %s", r.code, r.stderr)
	}
	want := []string{
		"line 1\tid 1\tok",
		"line 3\tid 2\tbad line: unknown field \"pasword\"",
		"line 4\tid -\tbad line: not valid JSON (syntax error at byte",
		"line 5\tid 4\tbad line: voximplant: UpdateSipRegistration: invalid parameters: user_id, application_id, application_name",
		"line 6\tid -\tbad line: field sip_registration_id: got a JSON string, want a int64",
		"line 7\tid 6\tok",
		"line 8\tid -\tbad line: got a JSON array",
	}
	got := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d result lines, want %d:\n%s", len(got), len(want), r.stdout)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("result %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	if !strings.Contains(r.stderr, "batch: 7 of 7 lines done: 2 ok, 0 failed, 5 bad") {
		t.Errorf("summary missing:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "progress: 7/7 lines") {
		t.Errorf("no plain progress on a non-terminal stderr:\n%s", r.stderr)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("the fake got %d requests, want the 2 good lines", n)
	}
	if p := srv.Requests(); len(p) > 0 && (p[0].Params.Password != nil && *p[0].Params.Password != sentinel) {
		t.Errorf("batch password not sent as given")
	}
}

func TestBatchAPIFailureAndJSON(t *testing.T) {
	srv, creds := fake(t)
	srv.Enqueue(apitest.Error(101, "Invalid arguments"))
	batch := writeBatch(t, `{"sip_registration_id": 1}`, `{"sip_registration_id": 2}`, `{"oops": 1}`)
	r := runCLI(t, context.Background(), "", []string{"update", "--credentials", creds, "--base-url", srv.URL,
		"--batch", batch, "--concurrency", "1", "--json", "--rps", "1000"})
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (an API failure); stderr %s", r.code, r.stderr)
	}
	var results []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		results = append(results, m)
	}
	if len(results) != 3 || results[0]["code"] != 101.0 || results[0]["ok"] != false || results[1]["ok"] != true ||
		results[2]["bad_line"] != true || results[2]["exit_code"] != 2.0 {
		t.Errorf("results %v", results)
	}
}

func TestBatchInterruptFinishesInFlight(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, creds := fake(t, apitest.OnRequest(func(apitest.Request) { cancel() })) // Ctrl-C during the first request
	batch := writeBatch(t, `{"sip_registration_id": 1}`, `{"sip_registration_id": 2}`, `{"sip_registration_id": 3}`)
	r := runCLI(t, ctx, "", []string{"update", "--credentials", creds, "--base-url", srv.URL, "--batch", batch, "--concurrency", "1"})
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if r.stdout != "line 1\tid 1\tok\n" {
		t.Errorf("stdout %q, want only the in-flight line, finished ok", r.stdout)
	}
	if !strings.Contains(r.stderr, "interrupted after the requests in flight: 1 of 3 lines done") {
		t.Errorf("stderr lacks the interrupt summary:\n%s", r.stderr)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests sent after the interrupt, want 1", n)
	}
}

func TestBatchFlagMisuse(t *testing.T) {
	_, creds := fake(t)
	batch := writeBatch(t, `{"sip_registration_id": 1}`)
	for _, args := range [][]string{
		{"--batch", batch, "--id", "1"},
		{"--batch", batch, "--dry-run"},
		{"--batch", batch, "--concurrency", "0"},
		{"--batch", batch, "--rps", "-1"},
		{"--batch", filepath.Join(t.TempDir(), "missing.jsonl")},
	} {
		r := runCLI(t, context.Background(), "", append([]string{"update", "--credentials", creds}, args...))
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
}
