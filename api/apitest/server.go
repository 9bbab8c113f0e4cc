package apitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/voxsip/voxsip"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/generated"
)

// BasePath is the path prefix of the API on the fake, as on the real service.
const BasePath = "/platform_api"

// AdminPath is the path prefix of the fake's admin endpoints, outside the API's namespace.
const AdminPath = "/_apitest/"

// DefaultAccountID is the account of the credentials a Server hands out, unless WithAccountID.
const DefaultAccountID = 1000001

// DefaultReadTimeout is how long a request (headers and body) may take to arrive, unless
// WithReadTimeout: a client that trickles its body is cut off after it.
const DefaultReadTimeout = 10 * time.Second

// DefaultLogSize is how many accepted requests a Server keeps, unless WithLogSize.
const DefaultLogSize = 1000

// Server is a running fake Management API.
type Server struct {
	// URL is the API's base URL, for api.WithBaseURL: "http://127.0.0.1:PORT/platform_api"
	// (https with WithTLS).
	URL string

	root      string // scheme://host:port
	http      *http.Server
	transport *http.Transport
	served    chan struct{} // closed when http.Serve returns
	inflight  sync.WaitGroup
	router    routers.Router
	errSchema *openapi3.Schema
	handlers  map[string]handler
	key       *rsa.PrivateKey
	keyID     string
	accountID int64
	children  map[int64]bool
	now       func() time.Time
	closing   chan struct{}
	closeOnce sync.Once
	credsJSON []byte
	creds     *auth.Credentials
	onRequest func(Request)
	tls       bool
	certPEM   []byte
	seed      Seed          // the state it starts from and ResetState returns to
	strict    bool          // refuse unknown parameters (WithStrict)
	roles     []string      // the roles of the key; nil: every operation (WithRole)
	readTime  time.Duration // the longest a request may take to arrive (WithReadTimeout)

	mu      sync.Mutex // guards log and replies
	log     ring
	replies map[string][]Reply // by operation; "" for any operation

	stateMu sync.RWMutex // guards state: Get reads under a read lock
	state   *state
}

var (
	sharedKeyOnce sync.Once
	sharedKey     *rsa.PrivateKey
	sharedKeyErr  error
)

// throwawayKey returns an RSA key generated once per process: generating one takes a good part
// of a second, and each server still gets its own key id, so tokens do not cross servers.
func throwawayKey() *rsa.PrivateKey {
	sharedKeyOnce.Do(func() { sharedKey, sharedKeyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if sharedKeyErr != nil {
		panic("apitest: generating an RSA key: " + sharedKeyErr.Error())
	}
	return sharedKey
}

// NewServer starts a fake Management API on a loopback port; Close it when done. Like
// httptest.NewServer, it panics if it cannot start.
func NewServer(opts ...Option) *Server {
	s, err := Listen("127.0.0.1:0", opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// Listen starts a fake Management API on addr ("127.0.0.1:8080"; port 0 picks a free one), for
// running it as a process (voxsip serve). Close it when done.
func Listen(addr string, opts ...Option) (*Server, error) {
	s := configure(opts)
	var err error
	if s.state, err = newState(s.seed, s.now()); err != nil {
		return nil, err
	}
	if err := s.makeCredentials(); err != nil {
		return nil, fmt.Errorf("apitest: %w", err)
	}
	l, err := s.listen(addr)
	if err != nil {
		return nil, fmt.Errorf("apitest: %w", err)
	}
	if err := s.loadRouter(); err != nil {
		l.Close()
		return nil, fmt.Errorf("apitest: %w", err)
	}
	s.http = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: s.readTime,
		ReadTimeout:       s.readTime,                 // a body that trickles is cut off
		ErrorLog:          log.New(io.Discard, "", 0), // TLS handshake noise from probing clients
	}
	go func() {
		defer close(s.served)
		s.http.Serve(l)
	}()
	return s, nil
}

// configure returns a Server with the defaults and then opts applied.
func configure(opts []Option) *Server {
	s := &Server{
		accountID: DefaultAccountID,
		children:  map[int64]bool{},
		now:       time.Now,
		closing:   make(chan struct{}),
		served:    make(chan struct{}),
		log:       newRing(DefaultLogSize),
		replies:   map[string][]Reply{},
		handlers:  copyMap(handlers),
		readTime:  DefaultReadTimeout,
	}
	for _, o := range opts {
		o(s)
	}
	if s.key == nil {
		s.key = throwawayKey()
	}
	return s
}

// makeCredentials gives the server a fresh key id and the credentials.json it hands out.
func (s *Server) makeCredentials() error {
	var id [16]byte
	rand.Read(id[:]) // never fails (crypto/rand)
	h := hex.EncodeToString(id[:])
	s.keyID = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	pkcs8, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return err
	}
	s.credsJSON, _ = json.MarshalIndent(map[string]any{
		"account_email": "apitest@example.com",
		"account_id":    s.accountID,
		"key_id":        s.keyID,
		"private_key":   string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})),
	}, "", "  ")
	s.creds, err = auth.ParseCredentials(s.credsJSON)
	return err
}

// listen opens the listener (TLS with WithTLS) and sets the server's URLs and transport.
func (s *Server) listen(addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.transport = &http.Transport{ForceAttemptHTTP2: false, MaxIdleConnsPerHost: 64}
	scheme := "http"
	if s.tls {
		cert, certPEM, err := selfSignedCert(time.Now())
		if err != nil {
			l.Close()
			return nil, err
		}
		s.certPEM = certPEM
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(certPEM)
		s.transport.TLSClientConfig = &tls.Config{RootCAs: pool}
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}})
		scheme = "https"
	}
	s.root = scheme + "://" + l.Addr().String()
	s.URL = s.root + BasePath
	return l, nil
}

// loadRouter loads the spec for the server's URL and the error schema unrouted answers use.
func (s *Server) loadRouter() error {
	doc, err := loadSpec(s.URL)
	if err != nil {
		return err
	}
	if s.router, err = gorillamux.NewRouter(doc); err != nil {
		return err
	}
	if ref := doc.Components.Schemas["ErrorResponse"]; ref != nil {
		s.errSchema = ref.Value
	}
	return nil
}

func copyMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// loadSpec loads the embedded OpenAPI document with its servers replaced by base.
func loadSpec(base string) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(voxsip.OpenAPISpec)
	if err != nil {
		return nil, fmt.Errorf("loading openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.yaml is invalid: %w", err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	return doc, nil
}

// serveHTTP runs a request through the pipeline: read the call off the wire (call.go), route
// it to an operation and check its token (auth.go), validate it (validate.go), run it against
// the state (dispatch.go) and write the answer (reply.go). A stage that refuses ends it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Done()
	if strings.HasPrefix(r.URL.Path, AdminPath) {
		s.serveAdmin(w, r)
		return
	}
	c, fail := s.readCall(r)
	if fail == nil {
		fail = s.route(c)
	}
	if fail == nil {
		fail = s.authorize(c)
	}
	if fail == nil {
		fail = s.validate(c)
	}
	if fail != nil {
		s.refuse(w, c, fail)
		return
	}
	s.reply(w, r, c, s.dispatch(c))
}

// Close shuts the server down at once, releasing any request held by Hang or Trickle, and
// waits for the handlers to return.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.http.Close()
	<-s.served
	s.inflight.Wait()
	s.transport.CloseIdleConnections()
}

// Shutdown stops accepting connections and waits for in-flight requests until ctx is done,
// then closes the server as Close does. It returns ctx's error if requests were cut off.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	s.Close()
	return err
}

// Client returns an *http.Client that reaches the server (trusting its certificate with
// WithTLS), for hand-made requests. Close closes its idle connections.
func (s *Server) Client() *http.Client { return &http.Client{Transport: s.transport} }

// AdminURL returns the base of the admin endpoints, "http://127.0.0.1:PORT/_apitest/".
func (s *Server) AdminURL() string { return s.root + AdminPath }

// CertificatePEM returns the server's self-signed certificate with WithTLS (nil without): give
// it to clients to trust.
func (s *Server) CertificatePEM() []byte { return bytes.Clone(s.certPEM) }

// CredentialsJSON returns a credentials.json (the flat form the control panel saves) whose key
// and account the server accepts. It holds a private key: keep it out of logs.
func (s *Server) CredentialsJSON() []byte { return bytes.Clone(s.credsJSON) }

// Credentials returns CredentialsJSON parsed.
func (s *Server) Credentials() *auth.Credentials { return s.creds }

// AccountID returns the account the server's credentials belong to.
func (s *Server) AccountID() int64 { return s.accountID }

// Registrations returns the registrations the server holds, sorted by id, as
// GetSipRegistrations would return them.
func (s *Server) Registrations() []generated.SIPRegistration {
	s.stateMu.RLock()
	defer s.stateMu.RUnlock()
	return s.state.list()
}

// Seed replaces the server's state (registrations, applications, rules, users, limit) with sd.
// The request log and queued replies are left alone.
func (s *Server) Seed(sd Seed) error {
	st, err := newState(sd, s.now())
	if err != nil {
		return err
	}
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	s.state = st
	return nil
}

// ResetState returns the server to the state it started with, and clears the request log and
// the queued replies.
func (s *Server) ResetState() {
	st, err := newState(s.seed, s.now())
	if err != nil {
		panic(err) // it was accepted when the server started
	}
	s.stateMu.Lock()
	s.state = st
	s.stateMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.clear()
	clear(s.replies)
}
