package apitest

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
