package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// CachingSource wraps a TokenSource and hands out its last token until shortly before expiry.
//
// It is safe for concurrent use. A cached token costs one atomic load. When the token is due
// for refresh, one caller fetches the next one while the others keep using the current token
// (which is still valid); only when no valid token is left do callers wait, and then for a
// single shared fetch. No lock is held while the wrapped source runs.
type CachingSource struct {
	src    TokenSource
	now    Clock
	margin time.Duration

	cur atomic.Pointer[cached]

	mu       sync.Mutex // guards inflight only
	inflight *fetch
}

type cached struct {
	tok       Token
	refreshAt time.Time
}

// fetch is one call of the wrapped source that several callers may wait for.
type fetch struct {
	done chan struct{}
	tok  Token
	err  error
}

// NewCachingSource wraps src. It accepts [WithClock] and [WithRefreshMargin]; other options are
// ignored. Wrapping a *CachingSource returns it unchanged.
func NewCachingSource(src TokenSource, opts ...Option) (*CachingSource, error) {
	if src == nil {
		return nil, errors.New("voxsip: nil token source")
	}
	if c, ok := src.(*CachingSource); ok {
		return c, nil
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &CachingSource{src: src, now: cfg.now, margin: cfg.margin}, nil
}

// Token returns the cached token, or fetches a new one when the cached one is due for refresh.
func (s *CachingSource) Token(ctx context.Context) (Token, error) {
	for {
		now := s.now()
		c := s.cur.Load()
		if c != nil && now.Before(c.refreshAt) {
			return c.tok, nil
		}
		valid := c != nil && now.Before(c.tok.Expiry())

		f, leader, changed := s.join(c)
		if changed {
			continue // a fetch finished since we looked: use its token
		}
		if leader {
			s.run(ctx, f)
		} else if valid {
			// Someone else is refreshing; the current token still works.
			return c.tok, nil
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return Token{}, ctx.Err()
		}
		if f.err == nil {
			return f.tok, nil
		}
		if valid {
			// The refresh failed but the current token still works; the next call tries again.
			return c.tok, nil
		}
		if !leader && isContextErr(f.err) && ctx.Err() == nil {
			continue // the leader's context ended, not ours: fetch again
		}
		return Token{}, f.err
	}
}

// Invalidate drops the cached token if its value (the JWT) equals tok's, so that the next call
// fetches a new one. Use it when the server refused tok (Voximplant code 100). tok need not be
// the Token this cache returned: a caller that knows only the request's Authorization header
// may pass NewToken(jwt, time.Time{}), as only [Token.Value] is compared. Invalidating a token
// that was already replaced, or the zero Token, does nothing, so concurrent callers refused
// with the same token cause one fetch.
func (s *CachingSource) Invalidate(tok Token) {
	if tok.IsZero() {
		return
	}
	c := s.cur.Load()
	if c != nil && c.tok.Value() == tok.Value() {
		// Only if c is still cached: a token stored since then is not the one refused.
		s.cur.CompareAndSwap(c, nil)
	}
}

// join returns the fetch in flight, or starts one and reports that the caller must run it. It
// reports changed, and does neither, when the cache no longer holds seen: a fetch completed
// between the caller's look and now (run stores its token before it clears inflight).
func (s *CachingSource) join(seen *cached) (f *fetch, leader, changed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight != nil {
		return s.inflight, false, false
	}
	if s.cur.Load() != seen {
		return nil, false, true
	}
	s.inflight = &fetch{done: make(chan struct{})}
	return s.inflight, true, false
}

// run calls the wrapped source for f, publishes the result and releases the waiters.
func (s *CachingSource) run(ctx context.Context, f *fetch) {
	defer func() {
		s.mu.Lock()
		s.inflight = nil
		s.mu.Unlock()
		close(f.done)
	}()
	f.tok, f.err = s.src.Token(ctx)
	if f.err == nil && f.tok.IsZero() {
		f.err = errors.New("voxsip: token source returned an empty token")
	}
	if f.err != nil {
		return
	}
	obtained := s.now()
	margin := s.margin
	if quarter := f.tok.Expiry().Sub(obtained) / 4; margin > quarter {
		margin = quarter
	}
	s.cur.Store(&cached{tok: f.tok, refreshAt: f.tok.Expiry().Add(-margin)})
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
