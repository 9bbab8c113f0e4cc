package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/voxsip/voxsip/api"
)

// inventor answers every GetSipRegistrations with a full page of registrations never sent
// before, and never an empty page: its count is firstCount on the first page (0: missing) and
// missing after. Only so that a broken walk ends and its test fails, it answers an empty page
// after emptyAfter requests.
type inventor struct {
	firstCount int
	emptyAfter int64
	requests   atomic.Int64
}

func (v *inventor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := v.requests.Add(1)
	count, _ := strconv.Atoi(r.URL.Query().Get("count"))
	if n > v.emptyAfter {
		count = 0
	}
	var b strings.Builder
	b.WriteString(`{"result":[`)
	for i := range count {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sip_registration_id":%d,"sip_username":"u","proxy":"p","last_updated":1,"deactivated":false,`+
			`"next_subscription_renewal":"2026-12-01","purchase_date":"2026-11-01 00:00:00","subscription_price":"1","is_persistent":true}`,
			n*1_000_000+int64(i))
	}
	b.WriteString(`]`)
	if n == 1 && v.firstCount > 0 {
		fmt.Fprintf(&b, `,"count":%d`, v.firstCount)
	}
	b.WriteString(`}`)
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(b.String()))
}

// walkInvented walks an inventor with pages of pageSize and returns the rows yielded and the
// one error, failing t unless there is exactly one and it comes last.
func walkInvented(t *testing.T, v *inventor, pageSize int64, opts ...api.Option) (int, *api.PagingError) {
	t.Helper()
	hs := httptest.NewServer(v)
	t.Cleanup(hs.Close)
	c, err := api.NewClient(append([]api.Option{api.WithBaseURL(hs.URL), api.WithCredentials(testCreds(t)),
		api.WithRetryPolicy(api.NoRetries())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	rows := 0
	var errs []error
	for _, err := range c.AllSIPRegistrations(context.Background(), &api.GetSIPRegistrationsParams{Count: api.Ptr(pageSize)}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(errs) > 0 {
			t.Fatalf("a registration after the error %v", errs[0])
		}
		rows++
	}
	var pe *api.PagingError
	if len(errs) != 1 || !errors.As(errs[0], &pe) {
		t.Fatalf("errors %v, want one *api.PagingError", errs)
	}
	if msg := pe.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "voxsip: GetSipRegistrations: ") || pe.Rows != rows {
		t.Errorf("error %q with Rows %d after %d rows: want one line naming the operation, and the rows", msg, pe.Rows, rows)
	}
	return rows, pe
}

// A server that invents new registrations on every page and never sends an empty page, with no
// count to go by, ends the walk at the row limit with a *PagingError naming it: not silently
// truncated, and not a walk that runs until ctx ends.
func TestAllSIPRegistrationsStopsAtTheRowLimit(t *testing.T) {
	v := &inventor{emptyAfter: 20}
	rows, pe := walkInvented(t, v, 100, api.WithMaxListRows(250))
	if rows != 250 || pe.Limit != 250 || v.requests.Load() != 3 || !strings.Contains(pe.Error(), "api.WithMaxListRows") {
		t.Errorf("%d rows, %d requests, error %v (Limit %d); want 250 rows in 3 requests and the limit named", rows, v.requests.Load(), pe, pe.Limit)
	}
}

// Without WithMaxListRows, the limit is DefaultMaxListRows.
func TestAllSIPRegistrationsDefaultRowLimit(t *testing.T) {
	v := &inventor{emptyAfter: api.DefaultMaxListRows/2000 + 10}
	rows, pe := walkInvented(t, v, 2000)
	if rows != api.DefaultMaxListRows || pe.Limit != api.DefaultMaxListRows {
		t.Errorf("%d rows, Limit %d; want %d", rows, pe.Limit, api.DefaultMaxListRows)
	}
}

// A walk that has passed the total a page stated, with later pages that state none and still
// bring new registrations, stops with a *PagingError (not a limit) at the first such page.
func TestAllSIPRegistrationsStopsPastAStatedTotal(t *testing.T) {
	v := &inventor{firstCount: 250, emptyAfter: 20}
	rows, pe := walkInvented(t, v, 100)
	if rows != 300 || pe.Limit != 0 || pe.Offset != 200 || v.requests.Load() != 3 || !strings.Contains(pe.Error(), "stated 250") {
		t.Errorf("%d rows, %d requests, error %v (Limit %d, Offset %d); want 300 rows in 3 requests, offset 200, the total named",
			rows, v.requests.Load(), pe, pe.Limit, pe.Offset)
	}
}

func TestWithMaxListRowsRefusesLessThanOne(t *testing.T) {
	for _, n := range []int{0, -1} {
		if _, err := api.NewClient(api.WithMaxListRows(n), api.WithCredentials(testCreds(t))); err == nil || !strings.Contains(err.Error(), "at least 1") {
			t.Errorf("WithMaxListRows(%d): %v, want an error", n, err)
		}
	}
}
