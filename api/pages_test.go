package api_test

import (
	"context"
	"encoding/json"
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

// pager serves GetSipRegistrations from n registrations, honouring count and offset unless
// ignoreOffset; it counts the requests. Its pages hold at most pageCap rows (0: no cap) and the
// page of request number shortAt (1-based) one row fewer than asked; its count is the total
// unless countMode says "page" (the rows on the page), "missing" or "negative".
type pager struct {
	n            int
	ignoreOffset bool
	failAt       int // fail the request with this 1-based number with code 101 (0: never)
	pageCap      int
	shortAt      int
	countMode    string
	noIDs        bool // rows without sip_registration_id
	emptyAfter   int  // requests after this 1-based number get an empty page (0: never)
	dropAfter    int  // after request number dropAfter, the first dropped registrations are gone
	dropped      int
	fixedCount   int // with countMode "fixed", the count every page states
	requests     atomic.Int64
}

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(p.requests.Add(1))
	w.Header().Set("Content-Type", "application/json")
	if n == p.failAt {
		w.Write([]byte(`{"error":{"code":101,"msg":"bad page"}}`))
		return
	}
	q := r.URL.Query()
	count, _ := strconv.Atoi(q.Get("count"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if p.ignoreOffset {
		offset = 0
	}
	if p.pageCap > 0 {
		count = min(count, p.pageCap)
	}
	if n == p.shortAt {
		count--
	}
	page := []map[string]any{}
	if p.emptyAfter > 0 && n > p.emptyAfter {
		count = 0
	}
	first, total := 0, p.n // the registrations left: ids first+1 to p.n
	if p.dropAfter > 0 && n > p.dropAfter {
		first, total = p.dropped, p.n-p.dropped
	}
	for i := first + offset; i < p.n && i < first+offset+count; i++ {
		page = append(page, map[string]any{"sip_registration_id": i + 1, "sip_username": fmt.Sprint("u", i), "proxy": "p",
			"last_updated": 1, "deactivated": false, "next_subscription_renewal": "2026-12-01",
			"purchase_date": "2026-11-01 00:00:00", "subscription_price": "1", "is_persistent": true})
		if p.noIDs {
			delete(page[len(page)-1], "sip_registration_id")
		}
	}
	body := map[string]any{"result": page, "count": total}
	switch p.countMode {
	case "page":
		body["count"] = len(page)
	case "missing":
		delete(body, "count")
	case "negative":
		body["count"] = -1
	case "fixed":
		body["count"] = p.fixedCount
	}
	json.NewEncoder(w).Encode(body)
}

// walkAll runs AllSIPRegistrations with pages of 100 and returns how often each id came.
func walkAll(t *testing.T, c *api.Client) map[int64]int {
	t.Helper()
	seen := map[int64]int{}
	for reg, err := range c.AllSIPRegistrations(context.Background(), &api.GetSIPRegistrationsParams{Count: api.Ptr(int64(100))}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[reg.SIPRegistrationID]++
	}
	return seen
}

// The walk does not depend on what count means: a per-page, missing or negative count, or pages
// shorter than asked for, still bring every registration exactly once; an empty page ends it,
// and so does a count that is provably the total, without asking for the empty page.
func TestAllSIPRegistrationsWhateverCountMeans(t *testing.T) {
	for _, tc := range []struct {
		name     string
		p        *pager
		requests int64
	}{
		{"a total: pages of 100, 100, 50", &pager{n: 250}, 3},
		{"a total: a short page in the middle is not the end", &pager{n: 250, shortAt: 2}, 3},
		{"a total: the server caps pages at 30", &pager{n: 250, pageCap: 30}, 9},
		{"a total reached exactly by a full page", &pager{n: 200}, 2},
		{"per page: until an empty page", &pager{n: 250, countMode: "page"}, 4},
		{"per page: a short page in the middle is not the end", &pager{n: 250, countMode: "page", shortAt: 1}, 4},
		{"per page, capped at 30", &pager{n: 250, countMode: "page", pageCap: 30}, 10},
		{"missing: until an empty page", &pager{n: 250, countMode: "missing"}, 4},
		{"negative: until an empty page", &pager{n: 250, countMode: "negative"}, 4},
		{"no registrations at all", &pager{n: 0, countMode: "page"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := walkAll(t, pagerClient(t, tc.p))
			if len(seen) != tc.p.n || tc.p.requests.Load() != tc.requests {
				t.Fatalf("%d distinct registrations in %d requests, want %d in %d", len(seen), tc.p.requests.Load(), tc.p.n, tc.requests)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("registration %d yielded %d times", id, n)
				}
			}
		})
	}
}

// A page whose rows lack their (required) id is refused: the walk tells registrations apart
// by id, so it would yield the first row and drop the others without a word.
func TestPageRowsWithoutAnIDAreRefused(t *testing.T) {
	c := pagerClient(t, &pager{n: 3, noIDs: true})
	_, err := c.GetSIPRegistrations(context.Background(), &api.GetSIPRegistrationsParams{Count: api.Ptr(int64(10))})
	var re *api.ResponseError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "no sip_registration_id") {
		t.Errorf("GetSIPRegistrations: %v, want a ResponseError about the missing id", err)
	}
	rows := 0
	for _, err := range c.AllSIPRegistrations(context.Background(), nil) {
		if err == nil {
			rows++
		} else if !errors.As(err, &re) {
			t.Errorf("walk: %v, want a ResponseError", err)
		}
	}
	if rows != 0 {
		t.Errorf("the walk yielded %d rows without an id", rows)
	}
}

func pagerClient(t *testing.T, p *pager) *api.Client {
	t.Helper()
	hs := httptest.NewServer(p)
	t.Cleanup(hs.Close)
	c, err := api.NewClient(api.WithBaseURL(hs.URL), api.WithCredentials(testCreds(t)), api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestAllSIPRegistrations(t *testing.T) {
	t.Run("250_in_pages_of_100_each_exactly_once", func(t *testing.T) {
		p := &pager{n: 250}
		c := pagerClient(t, p)
		seen := map[int64]int{}
		params := &api.GetSIPRegistrationsParams{Count: api.Ptr(int64(100))}
		for reg, err := range c.AllSIPRegistrations(context.Background(), params) {
			if err != nil {
				t.Fatal(err)
			}
			seen[reg.SIPRegistrationID]++
		}
		if len(seen) != 250 || p.requests.Load() != 3 {
			t.Fatalf("%d distinct registrations in %d requests, want 250 in 3", len(seen), p.requests.Load())
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("registration %d yielded %d times", id, n)
			}
		}
		if params.Offset != nil || *params.Count != 100 {
			t.Errorf("the caller's params were modified: %+v", params)
		}
	})
	t.Run("a_server_that_ignores_offset_ends_with_an_error", func(t *testing.T) {
		p := &pager{n: 250, ignoreOffset: true}
		c := pagerClient(t, p)
		var got, errs int
		for _, err := range c.AllSIPRegistrations(context.Background(), nil) {
			if err != nil {
				errs++
				var pe *api.PagingError
				if !errors.As(err, &pe) || pe.Limit != 0 || pe.Offset != 100 || !strings.Contains(err.Error(), "ignore offset") {
					t.Errorf("err = %v, want a *api.PagingError about offset at offset 100", err)
				}
				continue
			}
			got++
		}
		if got != 100 || errs != 1 || p.requests.Load() != 2 {
			t.Fatalf("%d registrations, %d errors, %d requests; want 100, 1, 2", got, errs, p.requests.Load())
		}
	})
	t.Run("a_failed_page_is_yielded_once_and_ends_the_walk", func(t *testing.T) {
		p := &pager{n: 250, failAt: 2}
		c := pagerClient(t, p)
		var got, errs int
		for _, err := range c.AllSIPRegistrations(context.Background(), nil) {
			if err != nil {
				errs++
				if !errors.Is(err, api.CodeInvalidArguments) {
					t.Errorf("err = %v, want code 101", err)
				}
				continue
			}
			got++
		}
		if got != 100 || errs != 1 || p.requests.Load() != 2 {
			t.Fatalf("%d registrations, %d errors, %d requests; want 100, 1, 2", got, errs, p.requests.Load())
		}
	})
	t.Run("breaking_early_stops_fetching", func(t *testing.T) {
		p := &pager{n: 250}
		c := pagerClient(t, p)
		for range c.AllSIPRegistrations(context.Background(), nil) {
			break
		}
		if p.requests.Load() != 1 {
			t.Fatalf("%d requests after breaking on the first item, want 1", p.requests.Load())
		}
	})
	t.Run("a_cancelled_context_ends_the_walk_with_its_error", func(t *testing.T) {
		p := &pager{n: 250}
		c := pagerClient(t, p)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var got int
		var last error
		for _, err := range c.AllSIPRegistrations(ctx, nil) {
			if err != nil {
				last = err
				continue
			}
			if got++; got == 10 {
				cancel()
			}
		}
		if got != 10 || !errors.Is(last, context.Canceled) || p.requests.Load() != 1 {
			t.Fatalf("%d registrations, last err %v, %d requests; want 10, context.Canceled, 1", got, last, p.requests.Load())
		}
	})
}

// A walk that ends short of a total a page stated ends with a *PagingError, never silently with
// part of the list: a server that ignores offset, found on the page that passes the total (150
// registrations, pages of 100: the second page repeats the first), and an empty page before the
// total (the list is incomplete, or changed while it was read), or a total that shrinks between
// pages (registrations deleted meanwhile shift the offsets: some are skipped).
func TestAllSIPRegistrationsShortOfAStatedTotal(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      *pager
		reason string
	}{
		{"offset ignored, the repeat passes the total", &pager{n: 150, ignoreOffset: true}, "ignore offset"},
		{"an empty page before the total", &pager{n: 150, emptyAfter: 1}, "150 in all"},
		{"an empty page before the total, pages capped", &pager{n: 150, pageCap: 30, emptyAfter: 3}, "150 in all"},
		// 100 deleted after the first page: the second (offset 100 of the 150 left) skips 100.
		{"registrations deleted while walking", &pager{n: 250, dropAfter: 1, dropped: 100}, "went from 250 to 150"},
		// Every page full (100 of 300) and stating 101 in all: the second passes its own total.
		{"a page passes the total it states", &pager{n: 300, countMode: "fixed", fixedCount: 101}, "stated 101 registrations in all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := pagerClient(t, tc.p)
			var rows int
			var errs []error
			for _, err := range c.AllSIPRegistrations(context.Background(), &api.GetSIPRegistrationsParams{Count: api.Ptr(int64(100))}) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				rows++
			}
			var pe *api.PagingError
			if len(errs) != 1 || !errors.As(errs[0], &pe) || !strings.Contains(pe.Reason, tc.reason) || pe.Rows != rows {
				t.Fatalf("%d rows, errors %v; want one *api.PagingError saying %q after the rows", rows, errs, tc.reason)
			}
		})
	}
}
