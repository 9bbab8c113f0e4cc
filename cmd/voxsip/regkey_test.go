package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
)

// TestRegistrationIdentity: a proxy's host is one host in any case and with or without its
// trailing dot (the root); the port is kept, the sip_username compared exactly.
func TestRegistrationIdentity(t *testing.T) {
	same := [][2]regKey{
		{{"bob", "sip.example.com"}, {"bob", "SIP.Example.COM"}},
		{{"bob", "sip.example.com"}, {"bob", "sip.example.com."}},
		{{"bob", "sip.example.com:5060"}, {"bob", "SIP.example.com.:5060"}},
		{{"bob", "[2001:DB8::1]:5060"}, {"bob", "[2001:db8::1]:5060"}},
		{{"bob", "2001:DB8::1"}, {"bob", "2001:db8::1"}},
		{{"bob", "sip:alice@PBX.example.com"}, {"bob", "sip:alice@pbx.example.com."}}, // the host part only
	}
	for _, p := range same {
		if p[0].identity() != p[1].identity() || p[0].digest() != p[1].digest() {
			t.Errorf("%s and %s: identities %s, %s; want one", p[0], p[1], p[0].identity(), p[1].identity())
		}
	}
	differ := [][2]regKey{
		{{"bob", "sip.example.com"}, {"Bob", "sip.example.com"}},                     // the user part is case-sensitive
		{{"bob", "sip.example.com:5060"}, {"bob", "sip.example.com:5061"}},           // the port counts
		{{"bob", "sip.example.com"}, {"bob", "sip.example.com:5060"}},                // given or not
		{{"bob", "sip.example.com"}, {"bob", "sip.example.co"}},                      // a letter less
		{{"bob", "straße.example"}, {"bob", "STRASSE.example"}},                      // beyond ASCII: as given
		{{"a@b", "c"}, {"a", "b@c"}},                                                 // a pair, not one string
		{{"bob", "sip.example.com"}, {"bob", "sip.example.com.."}},                   // one dot only
		{{"bob", "sip:Alice@pbx.example.com"}, {"bob", "sip:alice@pbx.example.com"}}, // a URI's user part is case-sensitive
	}
	for _, p := range differ {
		if p[0].identity() == p[1].identity() || p[0].digest() == p[1].digest() {
			t.Errorf("%s and %s: one identity %s; want two", p[0], p[1], p[0].identity())
		}
	}
}

// A create batch refuses, as a duplicate, a line whose proxy is an earlier line's host spelled
// in another case or with a trailing dot, and as a bad line one whose proxy has a space or an
// invisible character (from flags too): it would look like, and not be, the same host.
func TestBatchDuplicateProxySpellings(t *testing.T) {
	lines := []string{
		`{"sip_username":"bob","proxy":"sip.example.com"}`,
		`{"sip_username":"bob","proxy":"SIP.Example.COM"}`,
		`{"sip_username":"bob","proxy":"sip.example.com."}`,
		`{"sip_username":"bob","proxy":" sip.example.com"}`,
		`{"sip_username":"bob","proxy":"sip.example.com\u200b"}`,
		`{"sip_username":"Bob","proxy":"sip.example.com"}`,
		`{"sip_username":"bob","proxy":"sip.example.com:5060"}`,
	}
	want := map[int]string{
		2: "bad line: line 1 creates bob@SIP.Example.COM already",
		3: "bad line: line 1 creates bob@sip.example.com. already",
		4: "bad line: CreateSipRegistration: invalid parameters: proxy: U+0020 at byte 0 is a space or a character that does not show",
		5: "bad line: CreateSipRegistration: invalid parameters: proxy: U+200B at byte 15 is a space or a character that does not show",
		6: "", 7: "", 1: "",
	}
	r := runCLI(t, nil, []string{"create", "--batch", writeFile(t, strings.Join(lines, "\n")+"\n"), "--dry-run", "--json"})
	for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		var res struct {
			Line  int
			OK    bool
			Error string
		}
		if err := json.Unmarshal([]byte(l), &res); err != nil {
			t.Fatalf("result %q: %v", l, err)
		}
		w, ok := want[res.Line]
		if !ok || (w == "") != res.OK || !strings.HasPrefix(res.Error, w) {
			t.Errorf("line %d: %s; want error %q", res.Line, l, w)
		}
		delete(want, res.Line)
	}
	if len(want) != 0 {
		t.Errorf("no result for lines %v; stdout %s", want, r.stdout)
	}
	for _, proxy := range []string{"sip.example.com ", "sip.\texample.com", "sip.example.com\u00ad"} {
		r = runCLI(t, nil, []string{"create", "--sip-username", "bob", "--proxy", proxy, "--dry-run"})
		checkOneLine(t, "--proxy "+proxy, r, exitNothing, "--proxy: U+")
	}
}

// apply matches a registration whose proxy the file spells in another case or with a trailing
// dot (updating it, not creating a second), refuses two entries that differ only so, and an
// entry whose proxy has an invisible character.
func TestApplyProxySpellings(t *testing.T) {
	have := []api.SIPRegistration{reg(5, "bob", "sip.example.com", nil)}
	want := []*desired{entry(t, "- {sip_username: bob, proxy: SIP.Example.COM., auth_user: a}", nil)}
	p, err := makePlan(want, have, planOptions{})
	if err != nil || len(p.Steps) != 1 || p.Steps[0].Action != actUpdate || p.Steps[0].ID != 5 {
		t.Errorf("plan %+v (%v); want id 5 updated", p, err)
	}
	_, err = parseApplyFile([]byte("registrations:\n- {sip_username: bob, proxy: sip.example.com}\n- {sip_username: bob, proxy: SIP.example.com.}\n"),
		t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "line 3: bob@SIP.example.com. is in the file twice (first on line 2)") {
		t.Errorf("two spellings of one registration: %v", err)
	}
	_, err = parseApplyFile([]byte("registrations:\n- {sip_username: bob, proxy: \"sip.example.com\\u200b\"}\n"), t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "line 2: CreateSipRegistration: invalid parameters: proxy: U+200B") {
		t.Errorf("an invisible character: %v", err)
	}
}

// A create batch's duplicate check keeps a fixed size per line, however long its strings: 2000
// lines with 4 KiB proxies (8 MiB of strings) leave well under 1 MiB held.
func TestBatchDuplicateCheckKeepsNoStrings(t *testing.T) {
	b := &batch{}
	long := strings.Repeat("p", 4<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 2000 {
		p := &api.CreateSIPRegistrationParams{SIPUsername: fmt.Sprint("u", i), Proxy: long + fmt.Sprint(i)}
		j := &job{line: i + 1, p: p}
		b.checkDuplicate(j)
		if j.bad != nil {
			t.Fatalf("line %d: %v", j.line, j.bad)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if held := int64(after.HeapAlloc) - int64(before.HeapAlloc); held > 1<<20 || len(b.firstLine) != 2000 {
		t.Errorf("%d bytes held for %d lines; want under 1 MiB", held, len(b.firstLine))
	}
	runtime.KeepAlive(b)
}
