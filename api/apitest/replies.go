package apitest

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	paramcodec "github.com/voxsip/voxsip/internal/params"
)

// Reply is a canned answer for one accepted request; see [Server.Enqueue].
type Reply struct {
	status  int
	header  http.Header
	body    []byte
	checked bool // validate against the spec before writing
	serveFn func(s *Server, w http.ResponseWriter, r *http.Request)
}

func (rp *Reply) serve(s *Server, w http.ResponseWriter, r *http.Request, in *openapi3filter.RequestValidationInput) {
	switch {
	case rp.serveFn != nil:
		rp.serveFn(s, w, r)
	case rp.checked:
		s.writeChecked(w, in, rp.status, rp.body)
	default:
		for k, v := range rp.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rp.status)
		w.Write(rp.body)
	}
}

// Error answers as the API does when it refuses a request: HTTP 200 with
// {"error": {"code": code, "msg": msg}}. The response is checked against the spec.
func Error(code int, msg string) Reply {
	return Reply{status: http.StatusOK, body: apiErrorBody(code, msg), checked: true}
}

// Status answers with any status, headers and body, unchecked: for proxies' HTML error pages,
// rate limits with Retry-After, truncated or oversized bodies and other off-contract answers.
func Status(status int, header http.Header, body string) Reply {
	return Reply{status: status, header: header.Clone(), body: []byte(body)}
}

// Redirect answers with a redirect (e.g. 307) to location.
func Redirect(status int, location string) Reply {
	return Reply{status: status, header: http.Header{"Location": []string{location}}}
}

// Reset drops the connection without answering (a TCP reset).
func Reset() Reply {
	return Reply{serveFn: func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("apitest: Reset: connection cannot be hijacked")
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0) // close with RST rather than FIN
		}
		conn.Close()
	}}
}

// Hang never sends the response headers: it holds the request until the client gives up or the
// server is closed.
func Hang() Reply {
	return Reply{serveFn: func(s *Server, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	}}
}

// Trickle sends HTTP 200 headers at once, then the body one byte per interval, stopping when the
// client gives up or the server is closed. It never finishes a body that clients are meant to
// wait for: use it to test deadlines.
func Trickle(interval time.Duration) Reply {
	return Reply{serveFn: func(s *Server, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		flusher, _ := w.(http.Flusher)
		body := []byte(`{"result":1`)
		t := time.NewTicker(interval)
		defer t.Stop()
		for i := 0; ; i++ {
			w.Write(body[i%len(body) : i%len(body)+1])
			if flusher != nil {
				flusher.Flush()
			}
			select {
			case <-t.C:
			case <-r.Context().Done():
				return
			case <-s.closing:
				return
			}
		}
	}}
}

// Enqueue makes the server answer the next accepted requests, whatever their operation, with
// replies, in order, instead of handling them. Requests that fail validation do not consume a
// reply, and a request whose operation has replies of its own (EnqueueFor) uses those first.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies[""] = append(s.replies[""], replies...)
}

// EnqueueFor is Enqueue for the requests of one operation (its operationId, e.g.
// "CreateSipRegistration"); it panics if the spec has no such operation.
func (s *Server) EnqueueFor(operation string, replies ...Reply) {
	if err := s.enqueueFor(operation, replies); err != nil {
		panic(err)
	}
}

func (s *Server) enqueueFor(operation string, replies []Reply) error {
	if _, ok := paramcodec.ByID(operation); !ok && operation != "" {
		return fmt.Errorf("apitest: openapi.yaml has no operation %q", operation)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies[operation] = append(s.replies[operation], replies...)
	return nil
}

// FailNext makes the server answer the next accepted request with the API error code and msg.
func (s *Server) FailNext(code int, msg string) { s.Enqueue(Error(code, msg)) }

// popReply takes the next reply for op: its own first, then one for any operation. s.mu held.
func (s *Server) popReply(op string) *Reply {
	for _, key := range []string{op, ""} {
		if q := s.replies[key]; len(q) > 0 {
			r := q[0]
			s.replies[key] = q[1:]
			return &r
		}
	}
	return nil
}
