package apitest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	paramcodec "github.com/voxsip/voxsip/internal/params"
)

// Request is a call the server accepted (it passed validation and token checks), whatever the
// server answered. Printing it, or encoding it as JSON, masks secret parameters.
type Request struct {
	// Operation is the operationId (the API method), e.g. "UpdateSipRegistration".
	Operation string `json:"operation"`
	// Params points to the operation's generated Params struct (e.g.
	// *generated.UpdateSIPRegistrationParams) as the server decoded it; a parameter sent empty
	// is a pointer to "".
	Params any `json:"params"`
	// Issuer is the token's iss claim (the account acted for).
	Issuer int64 `json:"issuer"`
	// KeyID is the token's kid header.
	KeyID string `json:"key_id"`
	// IssuedAt and ExpiresAt are the token's iat and exp claims.
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// UserAgent is the request's User-Agent header.
	UserAgent string `json:"user_agent"`
	// Warnings says what the server ignored (unknown parameters), as in the X-Apitest-Warning
	// headers of its answer.
	Warnings []string `json:"warnings,omitempty"`
}

// String prints the request with the password masked.
func (r Request) String() string {
	var b strings.Builder
	b.WriteString(r.Operation)
	if op, ok := paramcodec.ByID(r.Operation); ok && r.Params != nil {
		op.EachMasked(r.Params, func(f *paramcodec.Field, value string) {
			fmt.Fprintf(&b, " %s=%q", f.Name, value)
		})
	}
	fmt.Fprintf(&b, " (iss=%d)", r.Issuer)
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, " warning: %s;", w)
	}
	return b.String()
}

// GoString is String.
func (r Request) GoString() string { return r.String() }

// Requests returns the last accepted requests (see WithLogSize), oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	reqs := s.log.all()
	s.mu.Unlock()
	for i := range reqs { // the caller may change what it gets; the log stays as it was
		reqs[i].Params = cloneParams(reqs[i].Operation, reqs[i].Params)
		reqs[i].Warnings = slices.Clone(reqs[i].Warnings)
	}
	return reqs
}

// cloneParams returns a deep copy of p, a pointer to the operation's Params struct.
func cloneParams(opID string, p any) any {
	op, ok := paramcodec.ByID(opID)
	if !ok || p == nil {
		return p
	}
	out := op.New()
	op.Each(p, func(f *paramcodec.Field, value string) {
		if err := op.Set(out, f.Name, value); err != nil {
			panic("apitest: copying parameters: " + err.Error()) // Each's text always parses back
		}
	})
	return out
}

// ring keeps the last size requests: a long-running fake must not grow with its traffic.
type ring struct {
	size int
	buf  []Request // grows to size, then wraps
	next int       // where the next request goes once buf is full
}

func newRing(n int) ring { return ring{size: max(n, 0)} }

func (r *ring) add(req Request) {
	switch {
	case r.size == 0:
	case len(r.buf) < r.size:
		r.buf = append(r.buf, req)
	default:
		r.buf[r.next] = req
		r.next = (r.next + 1) % r.size
	}
}

// all returns the kept requests, oldest first.
func (r *ring) all() []Request {
	out := make([]Request, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

func (r *ring) clear() { r.buf, r.next = nil, 0 }
