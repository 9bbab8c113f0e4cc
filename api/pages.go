package api

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// DefaultPageSize is the page size AllSIPRegistrations asks for when p.Count is nil.
const DefaultPageSize = 100

// DefaultMaxListRows is how many registrations AllSIPRegistrations yields at most unless
// WithMaxListRows says otherwise: far more than an account holds (each registration has a
// monthly fee), so reaching it means a server that invents rows. It bounds the walk's requests
// and the memory of the ids it remembers (some 40 bytes each).
const DefaultMaxListRows = 100_000

// WithMaxListRows sets how many registrations AllSIPRegistrations yields at most (n ≥ 1): it
// ends with a *PagingError whose Limit is n when the server still sends new ones, never
// silently. The default is DefaultMaxListRows.
func WithMaxListRows(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("%s WithMaxListRows(%d): the limit must be at least 1", errPrefix, n)
		}
		o.maxListRows = n
		return nil
	}
}

// PagingError is the error AllSIPRegistrations yields when the server's pages do not come to an
// end it can trust. The registrations yielded before it came from the server, but the list is
// not complete (or, from a server that contradicts itself, not reliable).
type PagingError struct {
	// Op is the operation walked, "GetSipRegistrations".
	Op string
	// Offset is the offset of the page that stopped the walk.
	Offset int64
	// Rows is how many registrations the walk yielded.
	Rows int
	// Limit is the row limit (WithMaxListRows) the walk reached, or 0 if it stopped for another
	// reason: a server that ignores offset, or sends more than the total it stated.
	Limit int
	// Reason says what the server did, in words.
	Reason string
}

// Error returns one line: the operation, what the server did and what to do.
func (e *PagingError) Error() string {
	return fmt.Sprintf("%s %s: %s", errPrefix, e.Op, e.Reason)
}

// AllSIPRegistrations walks every page of GetSIPRegistrations with p's filters, starting at
// p.Offset (0 when nil) with pages of p.Count (DefaultPageSize when nil); p is not modified. It
// yields each registration once (by id, even if registrations shift between pages), and stops at
// the first error, which it yields once: a failed page, ctx ending, or a *PagingError.
//
// The walk does not depend on what the response's count means (the reference calls it only
// "Count rows"). It ends at an empty page, or when count is provably the total and the walk has
// reached it: count is larger than the page it came with, so it cannot be the page's own size.
// A count equal to the page's size, missing or negative only means "ask for the next page", and
// a page shorter than asked for is not the end: a server may cap its pages.
//
// It never runs forever or ends short without saying so, whatever the server sends; it stops
// with a *PagingError when:
//   - a page brings no registration not yielded before (a server that ignores offset);
//   - an empty page comes before the total a page stated (the list is incomplete, or changed
//     while it was read), or a page states a smaller total than an earlier one (registrations
//     deleted meanwhile shift the offsets, so some would be skipped);
//   - the walk has passed the total a page stated (a count larger than its page), on that page
//     or on a later one that still brings new registrations;
//   - it has yielded the client's row limit (DefaultMaxListRows, see WithMaxListRows) and the
//     server sends more: the error's Limit names it.
//
// A walk looks like this:
//
//	for reg, err := range client.AllSIPRegistrations(ctx, nil) {
//		if err != nil { return err }
//		fmt.Println(reg.SIPRegistrationID, reg.SIPUsername)
//	}
func (c *Client) AllSIPRegistrations(ctx context.Context, p *GetSIPRegistrationsParams) iter.Seq2[SIPRegistration, error] {
	return func(yield func(SIPRegistration, error) bool) {
		w := newWalk(p, c.maxListRows)
		for {
			q := w.q
			q.Offset, q.Count = &w.offset, &w.count
			page, err := c.GetSIPRegistrations(ctx, &q)
			if err == nil {
				err = w.yieldNew(ctx, page.Result, yield)
			}
			if err == nil {
				err = w.check(page)
			}
			if err != nil {
				if !errors.Is(err, errStopped) {
					yield(SIPRegistration{}, err)
				}
				return
			}
			if w.done(page) {
				return
			}
		}
	}
}

// errStopped ends a walk whose caller broke off: nothing more is yielded.
var errStopped = errors.New("the caller stopped the walk")

// walk is the state of one AllSIPRegistrations: the caller's filters, where the next page
// starts, its size, the ids already yielded, the last total a page stated and the row limit.
type walk struct {
	q             GetSIPRegistrationsParams
	offset, count int64
	seen          map[int64]bool
	fresh         int   // registrations the last page brought that were not yielded before
	total         int64 // the last count that was provably a total (0: none yet)
	limit         int
}

func newWalk(p *GetSIPRegistrationsParams, limit int) *walk {
	w := &walk{count: DefaultPageSize, seen: map[int64]bool{}, limit: limit}
	if w.limit == 0 {
		w.limit = DefaultMaxListRows
	}
	if p != nil {
		w.q = *p
	}
	if w.q.Offset != nil {
		w.offset = *w.q.Offset
	}
	if w.q.Count != nil {
		w.count = *w.q.Count
	}
	return w
}

// yieldNew yields the registrations of a page not yielded before and moves the offset past the
// page. It returns errStopped if the caller broke off, the error of ctx if it ended, and a
// *PagingError if a new registration would pass the row limit.
func (w *walk) yieldNew(ctx context.Context, regs []SIPRegistration, yield func(SIPRegistration, error) bool) error {
	pageOffset := w.offset
	w.offset += int64(len(regs))
	w.fresh = 0
	for _, reg := range regs {
		if w.seen[reg.SIPRegistrationID] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s %s: %w", errPrefix, opGet.ID, err)
		}
		if len(w.seen) >= w.limit {
			return w.fail(pageOffset, w.limit, fmt.Sprintf("the server still sends new registrations after %d, the client's limit; "+
				"the list is incomplete: raise the limit with api.WithMaxListRows if the account really has more", w.limit))
		}
		w.seen[reg.SIPRegistrationID] = true
		w.fresh++
		if !yield(reg, nil) {
			return errStopped
		}
	}
	return nil
}

// done reports whether page ends the walk: it is empty, or its count is provably the total
// (larger than the page itself) and the walk's offset has reached it.
func (w *walk) done(page *GetSIPRegistrationsResult) bool {
	rows := int64(len(page.Result))
	if rows == 0 {
		return true
	}
	isTotal := page.Count > rows
	return isTotal && w.offset >= page.Count
}

// check returns a *PagingError if page shows a server whose pages cannot be trusted: it ended
// (an empty page) before a total a page stated; its total is smaller than an earlier page's
// (rows deleted meanwhile: the offsets shifted past some); it brought nothing new (it ignores offset: found
// even when the repeated page passes the total); or it states no total of its own and brought new
// registrations past the last total a page stated. It remembers page's total.
func (w *walk) check(page *GetSIPRegistrationsResult) error {
	rows := int64(len(page.Result))
	pageOffset := w.offset - rows
	if rows == 0 {
		if total := max(w.total, page.Count); total > w.offset {
			return w.fail(pageOffset, 0, fmt.Sprintf("the pages ended at offset %d, but a page stated %d in all; "+
				"the list is incomplete (or changed while it was read): try again", w.offset, total))
		}
		return nil
	}
	if w.fresh == 0 {
		return w.fail(pageOffset, 0, fmt.Sprintf("the page at offset %d brought no new registrations; "+
			"the server seems to ignore offset, so the walk stops", pageOffset))
	}
	if page.Count > rows {
		if w.offset > page.Count {
			return w.passedTotal(pageOffset, page.Count)
		}
		if w.total > 0 && page.Count < w.total {
			return w.fail(pageOffset, 0, fmt.Sprintf("the total went from %d to %d while the list was read: registrations "+
				"deleted meanwhile shift the pages, so some may have been skipped: try again", w.total, page.Count))
		}
		w.total = page.Count
		return nil
	}
	if w.total > 0 && w.offset > w.total {
		return w.passedTotal(pageOffset, w.total)
	}
	return nil
}

// passedTotal is the *PagingError of a server that sent more registrations than a total it stated.
func (w *walk) passedTotal(pageOffset, total int64) error {
	return w.fail(pageOffset, 0, fmt.Sprintf("a page stated %d registrations in all, but the server sent %d and more; "+
		"the list is unreliable, so the walk stops", total, w.offset))
}

// fail is the *PagingError of the page at offset, after the rows yielded so far; limit is the
// row limit reached, or 0.
func (w *walk) fail(offset int64, limit int, reason string) error {
	return &PagingError{Op: opGet.ID, Offset: offset, Rows: len(w.seen), Limit: limit, Reason: reason}
}
