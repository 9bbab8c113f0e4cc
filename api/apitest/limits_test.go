package apitest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// A key with roles may call only the operations whose x-voxsip-roles include one of them.
func TestRolesAreEnforced(t *testing.T) {
	srv := start(t, apitest.WithRole("Developer"), apitest.WithRegistrationIDs(1))
	c := newClient(t, srv)
	ctx := context.Background()
	_, err := c.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p"})
	if !errors.Is(err, api.CodeForbiddenCommand) || !strings.Contains(err.Error(), "Developer") {
		t.Errorf("create with a Developer key: %v, want 104 naming the role", err)
	}
	if err := c.DeleteSIPRegistration(ctx, &api.DeleteSIPRegistrationParams{SIPRegistrationID: 1}); !errors.Is(err, api.CodeForbiddenCommand) {
		t.Errorf("delete with a Developer key: %v, want 104", err)
	}
	if err := c.UpdateSIPRegistration(ctx, &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Proxy: api.Ptr("q")}); err != nil {
		t.Errorf("update with a Developer key: %v", err)
	}
	if len(srv.Registrations()) != 1 {
		t.Error("a forbidden call changed the state")
	}
	owner := newClient(t, start(t, apitest.WithRole("Owner")))
	if _, err := owner.CreateSIPRegistration(ctx, &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p"}); err != nil {
		t.Errorf("create with an Owner key: %v", err)
	}
}

// Ids never wrap: past the largest id, Create answers the limit code.
func TestIDsNeverWrap(t *testing.T) {
	srv := start(t, apitest.WithRegistrationIDs(math.MaxInt64))
	_, err := newClient(t, srv).CreateSIPRegistration(context.Background(), &api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p"})
	if !errors.Is(err, api.CodeTooManySIPRegistrations) || len(srv.Registrations()) != 1 {
		t.Errorf("create after id MaxInt64: %v (%d registrations), want 272 and nothing created", err, len(srv.Registrations()))
	}
}

// Pages: DefaultPageSize rows without count, at most MaxPageSize with any count.
func TestPageLimits(t *testing.T) {
	ids := make([]int64, apitest.MaxPageSize+5)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	c := newClient(t, start(t, apitest.WithRegistrationIDs(ids...)))
	for _, tc := range []struct {
		count    *int64
		offset   int64
		wantRows int
	}{
		{nil, 0, apitest.DefaultPageSize},
		{api.Ptr(int64(apitest.MaxPageSize + 1)), 0, apitest.MaxPageSize},
		{api.Ptr(int64(math.MaxInt64)), 3, apitest.MaxPageSize},
		{api.Ptr(int64(10)), int64(len(ids)) - 4, 4},
		{api.Ptr(int64(10)), math.MaxInt64, 0},
	} {
		page, err := c.GetSIPRegistrations(context.Background(), &api.GetSIPRegistrationsParams{Count: tc.count, Offset: &tc.offset})
		if err != nil || len(page.Result) != tc.wantRows || page.Count != int64(len(ids)) {
			t.Errorf("count %v offset %d: %v rows, count %v, %v; want %d rows of %d", tc.count, tc.offset, len(page.Result), page.Count, err, tc.wantRows, len(ids))
			continue
		}
		if tc.wantRows > 0 && page.Result[0].SIPRegistrationID != min(tc.offset, int64(len(ids)))+1 {
			t.Errorf("count %v offset %d: first id %d", tc.count, tc.offset, page.Result[0].SIPRegistrationID)
		}
	}
}

// A request body that trickles is cut off after the read timeout: the handler never waits for
// the rest, and nothing is accepted.
func TestTricklingBodyIsCutOff(t *testing.T) {
	srv := start(t, apitest.WithReadTimeout(50*time.Millisecond))
	conn, err := net.Dial("tcp", strings.TrimPrefix(root(srv), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s/GetSipRegistrations HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncount=1", apitest.BasePath)
	// A safety net, shorter than DefaultReadTimeout so that an ignored WithReadTimeout fails.
	conn.SetReadDeadline(time.Now().Add(apitest.DefaultReadTimeout / 2))
	got, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server still waits for the body (read %q)", got)
	}
	if strings.Contains(string(got), `"result"`) || len(srv.Requests()) != 0 {
		t.Errorf("the trickled request was answered as accepted: %q", got)
	}
}
