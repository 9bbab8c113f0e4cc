package apitest_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/generated"
)

// clocked starts a server and a client that share a clock the test moves.
func clocked(t *testing.T, opts ...apitest.Option) (*apitest.Server, *api.Client, *fixedClock) {
	t.Helper()
	clock := &fixedClock{t: epoch}
	srv := start(t, append([]apitest.Option{apitest.WithClock(clock.now)}, opts...)...)
	return srv, newClient(t, srv, api.WithAuthOptions(auth.WithClock(clock.now))), clock
}

func getOne(t *testing.T, c *api.Client, id int64) (api.SIPRegistration, bool) {
	t.Helper()
	page, err := c.GetSIPRegistrations(context.Background(), &api.GetSIPRegistrationsParams{SIPRegistrationID: api.Ptr(id)})
	if err != nil {
		t.Fatalf("Get %d: %v", id, err)
	}
	switch {
	case page.Count == 0 && len(page.Result) == 0:
		return api.SIPRegistration{}, false
	case page.Count != 1 || len(page.Result) != 1:
		t.Fatalf("Get %d: count %d, %d results", id, page.Count, len(page.Result))
	}
	return page.Result[0], true
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func i64(p *int64) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

// TestLifecycle goes through the library: create, get, update, get, bind, unbind, delete, get,
// and an update of the deleted id is an *api.Error.
func TestLifecycle(t *testing.T) {
	srv, c, clock := clocked(t)
	ctx := context.Background()

	created, err := c.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{
		SIPUsername: "alice", Proxy: "sip.example.com", AuthUser: api.Ptr("alice-auth"), Password: api.Ptr("hunter2"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.SIPRegistrationID != 1 || created.AccountInfo.AccountID != srv.AccountID() {
		t.Errorf("created %+v, want id 1 on account %d", created, srv.AccountID())
	}
	id := created.SIPRegistrationID
	reg, ok := getOne(t, c, id)
	want := api.SIPRegistration{
		SIPRegistrationID: 1, SIPUsername: "alice", Proxy: "sip.example.com", AuthUser: api.Ptr("alice-auth"),
		LastUpdated: epoch.Unix(), PurchaseDate: "2026-11-28 10:00:00", NextSubscriptionRenewal: "2026-12-28",
		SubscriptionPrice: apitest.SubscriptionPrice, IsPersistent: true, Successful: api.Ptr(true), StatusCode: api.Ptr(200),
	}
	if !ok || !reflect.DeepEqual(reg, want) {
		t.Errorf("after create, Get finds %v %+v\nwant %+v", ok, reg, want)
	}
	if second, _ := c.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "bob", Proxy: "p"}); second == nil || second.SIPRegistrationID != 2 {
		t.Errorf("second create: %+v, want id 2", second)
	}

	clock.t = epoch.Add(time.Hour)
	if err := c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: id, Proxy: api.Ptr("sip.example.org"), AuthUser: api.Ptr("")}); err != nil {
		t.Fatal(err)
	}
	reg, _ = getOne(t, c, id)
	if reg.Proxy != "sip.example.org" || reg.AuthUser != nil || reg.SIPUsername != "alice" || reg.LastUpdated != clock.t.Unix() || reg.PurchaseDate != want.PurchaseDate {
		t.Errorf("after update: %+v; want the new proxy, auth_user cleared, the rest kept, last_updated moved", reg)
	}

	if err := c.BindSIPRegistration(ctx, &api.BindSIPRegistrationParams{SIPRegistrationID: api.Ptr(id), ApplicationID: api.Ptr(int64(7)), UserName: api.Ptr("carol")}); err != nil {
		t.Fatal(err)
	}
	reg, _ = getOne(t, c, id)
	// Bound by id, the application gets a name from the directory the fake keeps.
	if i64(reg.ApplicationID) != "7" || str(reg.UserName) != "carol" || str(reg.ApplicationName) != "application7" || reg.UserID == nil {
		t.Errorf("after bind: application %s/%s user %s", i64(reg.ApplicationID), str(reg.ApplicationName), str(reg.UserName))
	}
	if err := c.BindSIPRegistration(ctx, &api.BindSIPRegistrationParams{SIPRegistrationID: api.Ptr(id), Bind: api.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	reg, _ = getOne(t, c, id)
	if reg.ApplicationID != nil || reg.UserName != nil {
		t.Errorf("after unbind: application %s user %s, want none", i64(reg.ApplicationID), str(reg.UserName))
	}

	if err := c.DeleteSIPRegistration(ctx, &api.DeleteSIPRegistrationParams{SIPRegistrationID: id}); err != nil {
		t.Fatal(err)
	}
	if reg, ok := getOne(t, c, id); ok {
		t.Errorf("after delete, Get still finds %+v", reg)
	}
	for name, call := range map[string]func() error{
		"update": func() error {
			return c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: id, Proxy: api.Ptr("x")})
		},
		"bind": func() error {
			return c.BindSIPRegistration(ctx, &api.BindSIPRegistrationParams{SIPRegistrationID: api.Ptr(id)})
		},
		"delete": func() error {
			return c.DeleteSIPRegistration(ctx, &api.DeleteSIPRegistrationParams{SIPRegistrationID: id})
		},
	} {
		var apiErr *api.Error
		if err := call(); !errors.As(err, &apiErr) || !errors.Is(err, api.ErrorCode(generated.ErrorCodeInvalidRegistrationID)) || !strings.Contains(err.Error(), "not found") {
			t.Errorf("%s of the deleted id: %v, want an *api.Error 275 saying not found", name, err)
		}
	}
	if regs := srv.Registrations(); len(regs) != 1 || regs[0].SIPRegistrationID != 2 {
		t.Errorf("state %+v, want registration 2 alone", regs)
	}
}

// TestPaging: 250 registrations, pages of 100: three pages, every registration exactly once.
func TestPaging(t *testing.T) {
	var seed []generated.SIPRegistration
	for i := range 250 {
		seed = append(seed, generated.SIPRegistration{SIPRegistrationID: int64(1000 + 7*i)})
	}
	srv, c, _ := clocked(t, apitest.WithRegistrations(seed...))
	ctx := context.Background()

	seen := map[int64]int{}
	var sizes []int
	for offset := int64(0); offset < 300; offset += 100 {
		page, err := c.GetSIPRegistrations(ctx, &api.GetSIPRegistrationsParams{Count: api.Ptr(int64(100)), Offset: api.Ptr(offset)})
		if err != nil {
			t.Fatal(err)
		}
		if page.Count != 250 {
			t.Errorf("offset %d: count %d, want 250 (all matches)", offset, page.Count)
		}
		sizes = append(sizes, len(page.Result))
		for _, r := range page.Result {
			seen[r.SIPRegistrationID]++
		}
	}
	if !slices.Equal(sizes, []int{100, 100, 50}) {
		t.Errorf("page sizes %v, want [100 100 50]", sizes)
	}
	for _, r := range seed {
		if seen[r.SIPRegistrationID] != 1 {
			t.Errorf("registration %d seen %d times", r.SIPRegistrationID, seen[r.SIPRegistrationID])
		}
	}
	if len(seen) != 250 {
		t.Errorf("%d registrations seen, want 250", len(seen))
	}

	// The library's walk takes the same three pages.
	before := len(srv.Requests())
	n := 0
	for _, err := range c.AllSIPRegistrations(ctx, &api.GetSIPRegistrationsParams{Count: api.Ptr(int64(100))}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if pages := len(srv.Requests()) - before; n != 250 || pages != 3 {
		t.Errorf("AllSIPRegistrations: %d registrations in %d pages, want 250 in 3", n, pages)
	}
	if page, _ := c.GetSIPRegistrations(ctx, nil); len(page.Result) != apitest.DefaultPageSize {
		t.Errorf("without count: %d results, want %d", len(page.Result), apitest.DefaultPageSize)
	}
	if page, _ := c.GetSIPRegistrations(ctx, &api.GetSIPRegistrationsParams{Offset: api.Ptr(int64(250))}); len(page.Result) != 0 || page.Count != 250 {
		t.Errorf("past the end: %d results, count %d", len(page.Result), page.Count)
	}
}

// TestBindings: a user has at most one registration; unbinding without an id reaches every
// registration; the application, if given beside a user or rule, scopes it.
func TestBindings(t *testing.T) {
	srv, c, _ := clocked(t, apitest.WithRegistrationIDs(1, 2, 3))
	ctx := context.Background()
	bind := func(p api.BindSIPRegistrationParams) {
		t.Helper()
		if err := c.BindSIPRegistration(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	users := func() string {
		var out []string
		for _, r := range srv.Registrations() {
			out = append(out, fmt.Sprintf("%d:%s/%s/%s", r.SIPRegistrationID, str(r.ApplicationName), str(r.RuleName), str(r.UserName)))
		}
		return strings.Join(out, " ")
	}
	bind(api.BindSIPRegistrationParams{SIPRegistrationID: api.Ptr(int64(1)), ApplicationName: api.Ptr("app"), UserName: api.Ptr("bob")})
	bind(api.BindSIPRegistrationParams{SIPRegistrationID: api.Ptr(int64(2)), ApplicationName: api.Ptr("app"), UserName: api.Ptr("bob"), RuleName: api.Ptr("r")})
	if got, want := users(), "1:app/<nil>/<nil> 2:app/r/bob 3:<nil>/<nil>/<nil>"; got != want {
		t.Errorf("binding bob to 2: %s, want %s (bob leaves 1)", got, want)
	}
	// Update binds too, and unbinds the user elsewhere.
	if err := c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: 3, ApplicationName: api.Ptr("app"), UserName: api.Ptr("bob")}); err != nil {
		t.Fatal(err)
	}
	if got, want := users(), "1:app/<nil>/<nil> 2:app/r/<nil> 3:app/<nil>/bob"; got != want {
		t.Errorf("update binding bob to 3: %s, want %s", got, want)
	}
	// Unbind bob from all registrations: no id.
	bind(api.BindSIPRegistrationParams{Bind: api.Ptr(false), ApplicationName: api.Ptr("app"), UserName: api.Ptr("bob")})
	if got, want := users(), "1:app/<nil>/<nil> 2:app/r/<nil> 3:app/<nil>/<nil>"; got != want {
		t.Errorf("unbinding bob everywhere: %s, want %s", got, want)
	}
	// A rule in another application is not unbound.
	bind(api.BindSIPRegistrationParams{Bind: api.Ptr(false), ApplicationName: api.Ptr("other"), RuleName: api.Ptr("r")})
	if got, want := users(), "1:app/<nil>/<nil> 2:app/r/<nil> 3:app/<nil>/<nil>"; got != want {
		t.Errorf("unbinding rule r of another application: %s, want %s", got, want)
	}
	// Unbinding the application unbinds it (and its rule) everywhere.
	bind(api.BindSIPRegistrationParams{Bind: api.Ptr(false), ApplicationName: api.Ptr("app")})
	if got, want := users(), "1:<nil>/<nil>/<nil> 2:<nil>/<nil>/<nil> 3:<nil>/<nil>/<nil>"; got != want {
		t.Errorf("unbinding the application: %s, want %s", got, want)
	}
	// Nothing named and no id: refused by the spec's rules, in the client and the fake alike (see
	// TestUnbindWithoutIDOrTargetIsRefusedEvenWithOneRegistration).
	err := c.BindSIPRegistration(ctx, &api.BindSIPRegistrationParams{Bind: api.Ptr(false)})
	var ve *api.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("bind=false with nothing: %v, want a validation error", err)
	}
	// Create with a user takes it from its previous registration.
	bind(api.BindSIPRegistrationParams{SIPRegistrationID: api.Ptr(int64(1)), ApplicationID: api.Ptr(int64(5)), UserID: api.Ptr(int64(9))})
	if _, err := c.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p", ApplicationID: api.Ptr(int64(5)), UserID: api.Ptr(int64(9)), IsPersistent: api.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	regs := srv.Registrations()
	if regs[0].UserID != nil || i64(regs[3].UserID) != "9" || regs[3].IsPersistent || regs[3].StatusCode != nil {
		t.Errorf("create with user 9: %+v / %+v; want user 9 moved to the new, non-persistent, not registered one", regs[0], regs[3])
	}
}

// TestEnqueueForIsPerOperation: replies for one operation wait for it; Enqueue takes the next
// request of any operation; a reply replaces the handling.
func TestEnqueueForIsPerOperation(t *testing.T) {
	srv, c, _ := clocked(t, apitest.WithRegistrationIDs(1))
	ctx := context.Background()
	srv.EnqueueFor("CreateSipRegistration", apitest.Error(340, "Rate limit exceeded"))
	srv.Enqueue(apitest.Error(416, "Repeat later"))

	upd := func() error {
		return c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Proxy: api.Ptr("x")})
	}
	cre := func() error {
		_, err := c.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p"})
		return err
	}
	if err := cre(); !errors.Is(err, api.CodeRateLimitExceeded) {
		t.Errorf("create: %v, want its own reply (340) before the one for any operation", err)
	}
	if err := upd(); !errors.Is(err, api.CodeRepeatLater) {
		t.Errorf("update: %v, want the reply for any operation (416)", err)
	}
	if len(srv.Registrations()) != 1 || srv.Registrations()[0].Proxy == "x" {
		t.Errorf("replies changed the state: %+v", srv.Registrations())
	}
	if err := cre(); err != nil {
		t.Errorf("create after the queue ran out: %v", err)
	}
	var ops []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Operation)
	}
	if want := []string{"CreateSipRegistration", "UpdateSipRegistration", "CreateSipRegistration"}; !slices.Equal(ops, want) {
		t.Errorf("requests %v, want %v", ops, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("EnqueueFor of an operation the spec lacks did not panic")
		}
	}()
	srv.EnqueueFor("NoSuchOperation", apitest.Error(1, "x"))
}

// TestRequestLogIsBounded: the log keeps the last N requests, oldest first.
func TestRequestLogIsBounded(t *testing.T) {
	srv, c, _ := clocked(t, apitest.WithLogSize(3), apitest.WithRegistrationIDs(1))
	for i := range 7 {
		if err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, SIPUsername: api.Ptr(fmt.Sprint("u", i))}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, *r.Params.(*api.UpdateSIPRegistrationParams).SIPUsername)
	}
	if want := []string{"u4", "u5", "u6"}; !slices.Equal(got, want) {
		t.Errorf("log %v, want %v", got, want)
	}
	none, c2, _ := clocked(t, apitest.WithLogSize(0), apitest.WithRegistrationIDs(1))
	if err := c2.DeleteSIPRegistration(context.Background(), &api.DeleteSIPRegistrationParams{SIPRegistrationID: 1}); err != nil || len(none.Requests()) != 0 {
		t.Errorf("WithLogSize(0): %v, %d requests kept", err, len(none.Requests()))
	}
}

// A page size near int64's maximum with a non-zero offset is a valid request (count has no
// maximum): the fake answers the rest of the list instead of panicking with its lock held, and
// keeps answering.
func TestGetHugeCountWithOffset(t *testing.T) {
	srv := start(t, apitest.WithRegistrationIDs(1, 2, 3))
	c := newClient(t, srv)
	ctx := context.Background()
	page, err := c.GetSIPRegistrations(ctx, &api.GetSIPRegistrationsParams{Offset: api.Ptr(int64(1)), Count: api.Ptr(int64(math.MaxInt64))})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if page.Count != 3 || len(page.Result) != 2 || page.Result[0].SIPRegistrationID != 2 {
		t.Fatalf("page = count %d, %d results, want count 3 and ids 2, 3", page.Count, len(page.Result))
	}
	if _, ok := getOne(t, c, 3); !ok {
		t.Fatal("the fake lost registration 3")
	}
}

// bind=false with neither an id nor anything to unbind is refused whatever the account holds
// (with a single registration it used to unbind everything from it): the spec's rules refuse it,
// so the client does not send it (api.Validate) and the fake answers 101 naming the rule.
func TestUnbindWithoutIDOrTargetIsRefusedEvenWithOneRegistration(t *testing.T) {
	bind := &api.BindSIPRegistrationParams{Bind: api.Ptr(false)}
	if err := api.Validate(bind); err == nil {
		t.Error("api.Validate accepts bind=false with nothing to unbind")
	}
	for _, ids := range [][]int64{{5}, {5, 6}} {
		var regs []generated.SIPRegistration
		for _, id := range ids {
			regs = append(regs, generated.SIPRegistration{SIPRegistrationID: id, IsPersistent: true, ApplicationName: api.Ptr("app"), UserName: api.Ptr(fmt.Sprint("u", id))})
		}
		srv := start(t, apitest.WithRegistrations(regs...))
		for _, v := range []string{"false", "False", "0"} {
			call := rawCall{path: apitest.BasePath + "/BindSipRegistration", query: "bind=" + v, auth: "Bearer " + token(t, srv, srv.AccountID(), time.Now())}
			status, _, body := call.do(t, srv)
			if code, msg := apiErr(body); status != http.StatusOK || code != int(generated.ErrorCodeInvalidArguments) || !strings.Contains(msg, "give one of them") {
				t.Errorf("%d registrations, bind=%s: HTTP %d %s, want code 101 naming the rule", len(ids), v, status, body)
			}
		}
		for _, r := range srv.Registrations() {
			if str(r.ApplicationName) != "app" || str(r.UserName) != fmt.Sprint("u", r.SIPRegistrationID) {
				t.Errorf("%d registrations: %d was unbound: application %s, user %s", len(ids), r.SIPRegistrationID, str(r.ApplicationName), str(r.UserName))
			}
		}
	}
}

// What Requests returns is a copy: changing it leaves the log as it was.
func TestRequestsReturnsACopy(t *testing.T) {
	srv := start(t, apitest.WithRegistrationIDs(1))
	c := newClient(t, srv)
	if err := c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Proxy: api.Ptr("before")}); err != nil {
		t.Fatal(err)
	}
	got := srv.Requests()[0].Params.(*generated.UpdateSIPRegistrationParams)
	*got.Proxy = "changed by the caller"
	got.SIPRegistrationID = 99
	again := srv.Requests()[0].Params.(*generated.UpdateSIPRegistrationParams)
	if *again.Proxy != "before" || again.SIPRegistrationID != 1 {
		t.Errorf("the log changed with the caller's copy: %+v", again)
	}
}

// LoadSeed reads at most MaxSeedBytes, so a device or a pipe cannot make it read forever, and
// refuses a directory.
func TestLoadSeedIsBounded(t *testing.T) {
	if _, err := apitest.LoadSeed("/dev/zero"); err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("LoadSeed(/dev/zero) = %v, want an error about the size", err)
	}
	if _, err := apitest.LoadSeed(t.TempDir()); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("LoadSeed(a directory) = %v, want an error saying so", err)
	}
}
