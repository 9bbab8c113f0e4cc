package api_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/internal/testutil"
)

// HTTP/2 frame types and flags the raw server below uses (RFC 9113 §6).
const (
	h2Data, h2Headers, h2RSTStream, h2Settings, h2Ping, h2GoAway = 0x0, 0x1, 0x3, 0x4, 0x6, 0x7
	h2EndStream, h2Ack, h2EndHeaders                             = 0x1, 0x1, 0x4
)

// HTTP/2 error codes (RFC 9113 §7) the tests reset streams with.
var h2Codes = map[uint32]string{
	0x0: "NO_ERROR", 0x1: "PROTOCOL_ERROR", 0x2: "INTERNAL_ERROR", 0x3: "FLOW_CONTROL_ERROR",
	0x5: "STREAM_CLOSED", 0x6: "FRAME_SIZE_ERROR", 0x7: "REFUSED_STREAM", 0x8: "CANCEL",
	0x9: "COMPRESSION_ERROR", 0xa: "CONNECT_ERROR", 0xb: "ENHANCE_YOUR_CALM",
	0xc: "INADEQUATE_SECURITY", 0xd: "HTTP_1_1_REQUIRED",
}

const h2RefusedStream = 0x7

// h2Action is what the raw server does with a request once it has read all of it.
type h2Action struct {
	reset  bool   // reset the stream with code
	code   uint32 // RST_STREAM's error code
	goAway bool   // send GOAWAY naming an earlier stream as the last one processed, then close
}

// h2Server is a TLS server that speaks just enough HTTP/2, frame by frame, to read a request to
// its end and then do what the next action says: reset the stream with an error code, refuse it
// with a GOAWAY that ends before it, or answer 200 with a created registration. It counts the
// requests it read. (net/http's own server cannot reset a stream with a chosen code.)
type h2Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	actions  []h2Action // used in order; when empty, the reply is a success
}

func newH2Server(t *testing.T, actions ...h2Action) *h2Server {
	t.Helper()
	s := &h2Server{actions: actions}
	s.Server = httptest.NewUnstartedServer(http.NotFoundHandler())
	s.EnableHTTP2 = true
	s.Config.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
		"h2": func(_ *http.Server, c *tls.Conn, _ http.Handler) { s.serveConn(c) },
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *h2Server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// next counts a request read to its end and returns what to do with it.
func (s *h2Server) next() (h2Action, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if len(s.actions) == 0 {
		return h2Action{}, false
	}
	a := s.actions[0]
	s.actions = s.actions[1:]
	return a, true
}

func (s *h2Server) serveConn(c *tls.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	preface := make([]byte, len(http2Preface))
	if _, err := io.ReadFull(r, preface); err != nil || string(preface) != http2Preface {
		return
	}
	if writeFrame(c, h2Settings, 0, 0, nil) != nil {
		return
	}
	var lastStream uint32
	for {
		typ, flags, stream, payload, err := readFrame(r)
		if err != nil {
			return
		}
		switch {
		case typ == h2Settings && flags&h2Ack == 0:
			err = writeFrame(c, h2Settings, h2Ack, 0, nil)
		case typ == h2Ping && flags&h2Ack == 0:
			err = writeFrame(c, h2Ping, h2Ack, 0, payload)
		case (typ == h2Headers || typ == h2Data) && flags&h2EndStream != 0:
			var closeConn bool
			closeConn, err = s.answer(c, stream, lastStream)
			lastStream = stream
			if closeConn {
				// Read on until the client hangs up (or the deadline), rather than close with
				// frames of the client unread: that would reset the connection, and the client
				// could lose the GOAWAY.
				c.SetReadDeadline(time.Now().Add(testutil.WaitLimit))
				io.Copy(io.Discard, r)
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// answer acts on a request that has been read to its end on stream; last is the stream of the
// request before it on the connection (0 for none).
func (s *h2Server) answer(w io.Writer, stream, last uint32) (closeConn bool, err error) {
	a, ok := s.next()
	switch {
	case !ok:
		hdr := []byte{0x88} // HPACK: indexed field 8, ":status: 200"
		if err := writeFrame(w, h2Headers, h2EndHeaders, stream, hdr); err != nil {
			return true, err
		}
		body := `{"result":1,"sip_registration_id":42}`
		return false, writeFrame(w, h2Data, h2EndStream, stream, []byte(body))
	case a.goAway:
		p := binary.BigEndian.AppendUint32(nil, last)
		p = binary.BigEndian.AppendUint32(p, 0) // NO_ERROR: a graceful shutdown
		return true, writeFrame(w, h2GoAway, 0, 0, p)
	default:
		return false, writeFrame(w, h2RSTStream, 0, stream, binary.BigEndian.AppendUint32(nil, a.code))
	}
}

const http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

func readFrame(r io.Reader) (typ, flags byte, stream uint32, payload []byte, err error) {
	var h [9]byte
	if _, err = io.ReadFull(r, h[:]); err != nil {
		return
	}
	n := uint32(h[0])<<16 | uint32(h[1])<<8 | uint32(h[2])
	payload = make([]byte, n)
	_, err = io.ReadFull(r, payload)
	return h[3], h[4], binary.BigEndian.Uint32(h[5:]) & 0x7fffffff, payload, err
}

func writeFrame(w io.Writer, typ, flags byte, stream uint32, payload []byte) error {
	n := len(payload)
	h := []byte{byte(n >> 16), byte(n >> 8), byte(n), typ, flags}
	h = binary.BigEndian.AppendUint32(h, stream)
	_, err := w.Write(append(h, payload...))
	return err
}

// h2Client is a client of the raw server, reaching it the way how names: through its own
// transport (made to trust the server's certificate) or through a caller's *http.Client.
func h2Client(t *testing.T, srv *h2Server, retry api.RetryPolicy, how string) *api.Client {
	t.Helper()
	opts := []api.Option{api.WithBaseURL(srv.URL), api.WithCredentials(h2Creds(t)), api.WithRetryPolicy(retry)}
	if how == h2Ways[1] {
		opts = append(opts, api.WithHTTPClient(srv.Client()))
	}
	c, err := api.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if how == h2Ways[0] {
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		api.SetRootCAsForTest(c, pool)
	}
	api.SetTimeForTest(c, nil, (&sleeps{}).sleep)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// h2Creds are credentials for the raw server's clients (it does not check tokens), made once.
var h2Creds = func() func(t *testing.T) *auth.Credentials {
	var once sync.Once
	var creds *auth.Credentials
	return func(t *testing.T) *auth.Credentials {
		once.Do(func() { creds = testCreds(t) })
		return creds
	}
}()

var h2Ways = []string{"default client", "WithHTTPClient"}

var h2Create = &api.CreateSIPRegistrationParams{SIPUsername: "alice", Proxy: "sip.example.com", Password: api.Ptr("s3cret")}

// An operation that is not idempotent reaches the server once per attempt, whatever code an
// HTTP/2 server resets its stream with: net/http's transport, which resends a request without a
// body after PROTOCOL_ERROR on its own, must not resend Create. The error says the outcome is
// unknown, and is never a success.
func TestCreateOnceOnTheWireUnderHTTP2Resets(t *testing.T) {
	for code, name := range h2Codes {
		if code == h2RefusedStream {
			continue // proves the request was not processed: TestCreateRetriedAfterRefusedStream
		}
		for _, policy := range []struct {
			name string
			p    api.RetryPolicy
		}{{"NoRetries", api.NoRetries()}, {"default policy", api.DefaultRetryPolicy()}} {
			t.Run(fmt.Sprintf("%s/%s", name, policy.name), func(t *testing.T) {
				for _, how := range h2Ways {
					srv := newH2Server(t, repeat(h2Action{reset: true, code: code}, 20)...)
					c := h2Client(t, srv, policy.p, how)
					res, err := c.CreateSIPRegistration(context.Background(), h2Create)
					if err == nil {
						t.Fatalf("%s: success (%+v) after a %s reset", how, res, name)
					}
					if got := srv.count(); got != 1 {
						t.Errorf("%s: the server read %d Create requests, want 1 (%v)", how, got, err)
					}
					if !errors.Is(err, api.ErrOutcomeUnknown) {
						t.Errorf("%s: error does not match ErrOutcomeUnknown: %v", how, err)
					}
				}
			})
		}
	}
}

func repeat(a h2Action, n int) []h2Action {
	out := make([]h2Action, n)
	for i := range out {
		out[i] = a
	}
	return out
}

// A stream the server refused (REFUSED_STREAM), or one beyond the last stream a GOAWAY says the
// server processed, provably did nothing: the client's own policy may send Create again (once
// per attempt), and with NoRetries the error says the request was not processed.
func TestCreateRetriedWhenHTTP2ProvesNothingDone(t *testing.T) {
	for name, refuse := range map[string]h2Action{
		"REFUSED_STREAM": {reset: true, code: h2RefusedStream},
		"GOAWAY":         {goAway: true},
	} {
		for _, how := range h2Ways {
			t.Run(name+"/"+how+"/NoRetries", func(t *testing.T) {
				srv := newH2Server(t, repeat(refuse, 20)...)
				_, err := h2Client(t, srv, api.NoRetries(), how).CreateSIPRegistration(context.Background(), h2Create)
				if err == nil {
					t.Fatal("success after the server refused the only attempt")
				}
				if got := srv.count(); got != 1 {
					t.Errorf("the server read %d Create requests, want 1 (%v)", got, err)
				}
				if errors.Is(err, api.ErrOutcomeUnknown) {
					t.Errorf("a refused request is reported as outcome unknown: %v", err)
				}
				if !api.IsRetryable(err) {
					t.Errorf("IsRetryable = false for a refused request: %v", err)
				}
			})
			t.Run(name+"/"+how+"/default policy", func(t *testing.T) {
				srv := newH2Server(t, refuse)
				res, err := h2Client(t, srv, api.DefaultRetryPolicy(), how).CreateSIPRegistration(context.Background(), h2Create)
				if err != nil || res.SIPRegistrationID != 42 {
					t.Fatalf("got %+v, %v; want the registration of the second attempt", res, err)
				}
				if got := srv.count(); got != 2 {
					t.Errorf("the server read %d Create requests, want 2", got)
				}
			})
		}
	}
}

// Over HTTP/1.1 as well: a server that reads a Create on a kept-alive connection and closes it
// without an answer gets it once (net/http resends on a fresh connection only requests that look
// idempotent), and the error says the outcome is unknown.
func TestCreateOnceOnTheWireOverHTTP1(t *testing.T) {
	var mu sync.Mutex
	creates := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/CreateSipRegistration" {
			mu.Lock()
			creates++
			mu.Unlock()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		io.WriteString(w, `{"result":[],"count":0}`)
	}))
	t.Cleanup(hs.Close)
	c, err := api.NewClient(api.WithBaseURL(hs.URL), api.WithCredentials(testCreds(t)))
	if err != nil {
		t.Fatal(err)
	}
	api.SetTimeForTest(c, nil, (&sleeps{}).sleep)
	t.Cleanup(c.CloseIdleConnections)
	if _, err := c.GetSIPRegistrations(context.Background(), nil); err != nil { // a connection to reuse
		t.Fatal(err)
	}
	_, err = c.CreateSIPRegistration(context.Background(), h2Create)
	mu.Lock()
	defer mu.Unlock()
	if creates != 1 || !errors.Is(err, api.ErrOutcomeUnknown) {
		t.Errorf("%d Create requests, err = %v; want 1 and ErrOutcomeUnknown", creates, err)
	}
}
