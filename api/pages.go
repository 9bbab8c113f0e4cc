package api

import (
	"context"
	"fmt"
	"iter"
)

// DefaultPageSize is the page size AllSIPRegistrations asks for when p.Count is nil.
const DefaultPageSize = 100

// AllSIPRegistrations walks every page of GetSIPRegistrations with p's filters, starting at
// p.Offset (0 when nil) with pages of p.Count (DefaultPageSize when nil); p is not modified. It
// yields each registration once (by id, even if registrations shift between pages), and stops at
// the first error, which it yields once: a failed page, ctx ending, or a server that ignores
// offset (a page that brings nothing new), so the walk never loops forever.
//
// The walk does not depend on what the response's count means (the reference calls it only
// "Count rows"). It ends at an empty page, or when count is provably the total and the walk has
// reached it: count is larger than the page it came with, so it cannot be the page's own size.
// A count equal to the page's size, missing or negative only means "ask for the next page", and
// a page shorter than asked for is not the end: a server may cap its pages.
//
//	for reg, err := range client.AllSIPRegistrations(ctx, nil) {
//		if err != nil { return err }
//		fmt.Println(reg.SIPRegistrationID, reg.SIPUsername)
//	}
func (c *Client) AllSIPRegistrations(ctx context.Context, p *GetSIPRegistrationsParams) iter.Seq2[SIPRegistration, error] {
	return func(yield func(SIPRegistration, error) bool) {
		w := newWalk(p)
		for {
			q := w.q
			q.Offset, q.Count = &w.offset, &w.count
			page, err := c.GetSIPRegistrations(ctx, &q)
			if err != nil {
				yield(SIPRegistration{}, err)
				return
			}
			fresh, ok := w.yieldNew(ctx, page.Result, yield)
			if !ok {
				return
			}
			if w.done(page) {
				return
			}
			if fresh == 0 {
				yield(SIPRegistration{}, fmt.Errorf("%s %s: the page at offset %d brought no new registrations; "+
					"the server seems to ignore offset, so the walk stops", errPrefix, opGet.ID, w.offset-int64(len(page.Result))))
				return
			}
		}
	}
}

// walk is the state of one AllSIPRegistrations: the caller's filters, where the next page
// starts, its size, and the ids already yielded.
type walk struct {
	q             GetSIPRegistrationsParams
	offset, count int64
	seen          map[int64]bool
}

func newWalk(p *GetSIPRegistrationsParams) *walk {
	w := &walk{count: DefaultPageSize, seen: map[int64]bool{}}
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
// page. It returns how many were new, and false when the walk must stop (the caller broke off,
// or ctx ended, whose error it yielded).
func (w *walk) yieldNew(ctx context.Context, regs []SIPRegistration, yield func(SIPRegistration, error) bool) (int, bool) {
	w.offset += int64(len(regs))
	fresh := 0
	for _, reg := range regs {
		if w.seen[reg.SIPRegistrationID] {
			continue
		}
		if err := ctx.Err(); err != nil {
			yield(SIPRegistration{}, fmt.Errorf("%s %s: %w", errPrefix, opGet.ID, err))
			return fresh, false
		}
		w.seen[reg.SIPRegistrationID] = true
		fresh++
		if !yield(reg, nil) {
			return fresh, false
		}
	}
	return fresh, true
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
