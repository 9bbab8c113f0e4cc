// Package apitest runs a fake Voximplant Management API for tests: yours and ours, in Go
// ([NewServer]) or in any language (voxsip serve, [Serve]).
//
// [NewServer] starts it on a loopback port. Point the real client at it with
// api.WithBaseURL(srv.URL) and api.WithCredentials(srv.Credentials()) (or write
// srv.CredentialsJSON() to a file). It serves every operation of the module's openapi.yaml
// (CreateSipRegistration, GetSipRegistrations, UpdateSipRegistration, BindSipRegistration,
// DeleteSipRegistration) on a store of registrations:
//
//   - Create assigns increasing ids and fills what Get returns (last_updated, purchase_date,
//     next_subscription_renewal a month later and subscription_price from the server's clock,
//     see [WithClock]; a persistent registration is successful with status_code 200 at once, a
//     non-persistent one is not successful until its user logs in, which the fake never sees).
//     Update changes only the parameters sent ("" clears an optional one); binding to a user
//     unbinds that user's previous registration; Bind with bind=false unbinds (without an id,
//     from every registration); Delete removes; Get filters by every parameter of the spec and
//     pages with count and offset (page size [DefaultPageSize] when count is not given), sorted
//     by id, with the number of all matches in count.
//   - Applications, rules and users are kept as sent (names and ids) unless the server is
//     seeded with them ([Seed], [WithApplications], [WithRules], [WithUsers]): then unknown ones
//     are refused and each id gets its name and each name its id.
//   - Requests arrive in any shape an official client uses: parameters in the query string, in
//     an application/x-www-form-urlencoded or a multipart/form-data body, at
//     POST /platform_api/<Method> or at POST /platform_api with a cmd parameter. Each shape is
//     mapped onto one canonical query-string request, which is validated against openapi.yaml
//     with kin-openapi and decoded with the generated Params types.
//   - The bearer JWT is verified: RS256 signed with the key of the server's credentials, kid
//     equal to the key id, iss (a number or a string of digits) equal to the account or a
//     child account, iat and exp present, exp - iat at most 3600 s, not expired and not issued
//     in the future by the server's clock. The scheme name "Bearer" may be in any case.
//   - Every response the fake writes in the API's name is validated against the spec as well;
//     one that is not becomes an HTTP 500 that says so.
//
// Errors come as the API sends them, HTTP 200 with {"error": {"code": N, "msg": "..."}}:
// 100 when the token is refused; 101 ([CodeInvalidArguments]) when the request breaks the
// contract (a missing required parameter, a wrong type, an unknown parameter, one given twice;
// msg carries kin-openapi's explanation), breaks a parameter rule, or names a registration (or a
// seeded application, rule or user) that does not exist; 102 for /platform_api without cmd; 103
// for a method that is not in the spec; 272 beyond [WithMaxRegistrations]. A path outside
// /platform_api is an HTTP 404 and a method other than POST an HTTP 405 with Allow: POST.
//
// Where it differs from the real service: the not-found and unknown-reference codes (101) and
// every msg are the fake's own (the real codes are not documented); registrations never expire,
// renew, get deactivated or charge a balance, and account_info carries only account_id and
// frozen; a registration never goes through "in progress" (only seeded ones can be); roles are
// not checked (every token may do everything); GET is refused with 405; an operation of the spec
// the fake does not implement answers HTTP 501 (never another operation); an enqueued reply
// ([Server.Enqueue]) replaces the handling, so the state does not change; there is no rate
// limit.
//
// Tests can seed state ([WithRegistrations], [WithSeed], [Server.Seed]), read it
// ([Server.Registrations]), inspect what it accepted ([Server.Requests], the last
// [DefaultLogSize] by default, see [WithLogSize]) and make it misbehave ([Server.Enqueue],
// [Server.EnqueueFor] with [Error], [Status], [Reset], [Hang], [Trickle], [Redirect]). The same
// is reachable over HTTP under [AdminPath] (see [Server.AdminURL]). A Server is safe for
// concurrent use.
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
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/claims"
	paramcodec "github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/rules"
)

// BasePath is the path prefix of the API on the fake, as on the real service.
const BasePath = "/platform_api"

// AdminPath is the path prefix of the fake's admin endpoints, outside the API's namespace.
const AdminPath = "/_apitest/"

// DefaultAccountID is the account of the credentials a Server hands out, unless WithAccountID.
const DefaultAccountID = 1000001

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
	seed      Seed // the state it starts from and ResetState returns to

	mu      sync.Mutex
	state   *state
	log     ring
	replies map[string][]Reply // by operation; "" for any operation
}

// Option configures [NewServer] and [Listen].
type Option func(*Server)

// WithAccountID sets the account id of the credentials the server hands out and accepts.
func WithAccountID(id int64) Option { return func(s *Server) { s.accountID = id } }

// WithChildAccounts lets tokens act for these child accounts (iss set to one of them).
func WithChildAccounts(ids ...int64) Option {
	return func(s *Server) {
		for _, id := range ids {
			s.children[id] = true
		}
	}
}

// WithClock sets the server's clock: tokens are checked against it, and the times a
// registration carries (last_updated, purchase_date, next_subscription_renewal) come from it.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// OnRequest calls fn with each request the server accepts, before it answers (fn must not
// block for long; it runs on the request's goroutine).
func OnRequest(fn func(Request)) Option { return func(s *Server) { s.onRequest = fn } }

// WithKey makes the server use key instead of its own throwaway RSA key.
func WithKey(key *rsa.PrivateKey) Option { return func(s *Server) { s.key = key } }

// WithSeed makes the server start from sd (replacing what earlier seeding options set).
func WithSeed(sd Seed) Option { return func(s *Server) { s.seed = sd } }

// WithRegistrations adds registrations to the starting state. A zero id gets the next free one;
// an empty sip_username or proxy and the dates and price get defaults from the clock.
func WithRegistrations(regs ...generated.SIPRegistration) Option {
	return func(s *Server) { s.seed.Registrations = append(s.seed.Registrations, regs...) }
}

// WithRegistrationIDs adds registrations with these ids and default fields: for tests that only
// need an id to exist.
func WithRegistrationIDs(ids ...int64) Option {
	return func(s *Server) {
		for _, id := range ids {
			s.seed.Registrations = append(s.seed.Registrations, generated.SIPRegistration{SIPRegistrationID: id, IsPersistent: true})
		}
	}
}

// WithApplications makes the server know these applications and refuse any other (with no
// arguments: refuse every application).
func WithApplications(apps ...Application) Option {
	return func(s *Server) { s.seed.Applications = append(make([]Application, 0, len(apps)), apps...) }
}

// WithRules makes the server know these rules and refuse any other.
func WithRules(rs ...Rule) Option {
	return func(s *Server) { s.seed.Rules = append(make([]Rule, 0, len(rs)), rs...) }
}

// WithUsers makes the server know these users and refuse any other.
func WithUsers(us ...User) Option {
	return func(s *Server) { s.seed.Users = append(make([]User, 0, len(us)), us...) }
}

// WithMaxRegistrations sets the account's registration limit: CreateSipRegistration answers
// code 272 once the account has n (0, the default, means no limit).
func WithMaxRegistrations(n int) Option { return func(s *Server) { s.seed.MaxRegistrations = n } }

// WithLogSize makes [Server.Requests] keep the last n accepted requests (DefaultLogSize by
// default; 0 keeps none), so that a long-running server's memory stays flat.
func WithLogSize(n int) Option { return func(s *Server) { s.log = newRing(n) } }

// WithTLS serves HTTPS with a fresh self-signed certificate for 127.0.0.1, ::1 and localhost
// (see [Server.CertificatePEM]; [Server.Client] trusts it).
func WithTLS() Option { return func(s *Server) { s.tls = true } }

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
	s := &Server{
		accountID: DefaultAccountID,
		children:  map[int64]bool{},
		now:       time.Now,
		closing:   make(chan struct{}),
		served:    make(chan struct{}),
		log:       newRing(DefaultLogSize),
		replies:   map[string][]Reply{},
		handlers:  maps(handlers),
	}
	for _, o := range opts {
		o(s)
	}
	if s.key == nil {
		s.key = throwawayKey()
	}
	var err error
	if s.state, err = newState(s.seed, s.now()); err != nil {
		return nil, err
	}
	var id [16]byte
	rand.Read(id[:]) // never fails (crypto/rand)
	h := hex.EncodeToString(id[:])
	s.keyID = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]

	pkcs8, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return nil, fmt.Errorf("apitest: %w", err)
	}
	s.credsJSON, _ = json.MarshalIndent(map[string]any{
		"account_email": "apitest@example.com",
		"account_id":    s.accountID,
		"key_id":        s.keyID,
		"private_key":   string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})),
	}, "", "  ")
	if s.creds, err = auth.ParseCredentials(s.credsJSON); err != nil {
		return nil, fmt.Errorf("apitest: %w", err)
	}

	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("apitest: %w", err)
	}
	s.transport = &http.Transport{ForceAttemptHTTP2: false, MaxIdleConnsPerHost: 64}
	scheme := "http"
	if s.tls {
		cert, certPEM, err := selfSignedCert(time.Now())
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("apitest: %w", err)
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
	doc, err := loadSpec(s.URL)
	if err == nil {
		s.router, err = gorillamux.NewRouter(doc)
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("apitest: %w", err)
	}
	if ref := doc.Components.Schemas["ErrorResponse"]; ref != nil {
		s.errSchema = ref.Value
	}

	s.http = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // TLS handshake noise from probing clients
	}
	go func() {
		defer close(s.served)
		s.http.Serve(l)
	}()
	return s, nil
}

func maps[K comparable, V any](m map[K]V) map[K]V {
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
// it to clients to trust (curl --cacert FILE, SSL_CERT_FILE=FILE for Go programs on Linux).
func (s *Server) CertificatePEM() []byte { return bytes.Clone(s.certPEM) }

// CredentialsJSON returns a credentials.json (the flat form the control panel saves) whose key
// and account the server accepts. It holds a private key: keep it out of logs.
func (s *Server) CredentialsJSON() []byte { return bytes.Clone(s.credsJSON) }

// Credentials returns CredentialsJSON parsed.
func (s *Server) Credentials() *auth.Credentials { return s.creds }

// AccountID returns the account the server's credentials belong to.
func (s *Server) AccountID() int64 { return s.accountID }

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

// Registrations returns the registrations the server holds, sorted by id, as
// GetSipRegistrations would return them.
func (s *Server) Registrations() []generated.SIPRegistration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.list()
}

// Seed replaces the server's state (registrations, applications, rules, users, limit) with sd.
// The request log and queued replies are left alone.
func (s *Server) Seed(sd Seed) error {
	st, err := newState(sd, s.now())
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = st
	s.log.clear()
	clear(s.replies)
}

// handler runs an accepted request against the state (s.mu held) and returns the result to
// encode or a refusal.
type handler func(s *Server, a args) (any, *apiError)

// handlers lists the operations the fake implements; each Server holds a copy.
var handlers = map[string]handler{
	"CreateSipRegistration": func(s *Server, a args) (any, *apiError) { return s.state.create(a, s.now(), s.accountID) },
	"GetSipRegistrations":   func(s *Server, a args) (any, *apiError) { return s.state.get(a) },
	"UpdateSipRegistration": func(s *Server, a args) (any, *apiError) { return s.state.update(a, s.now()) },
	"BindSipRegistration":   func(s *Server, a args) (any, *apiError) { return s.state.bindOp(a, s.now()) },
	"DeleteSipRegistration": func(s *Server, a args) (any, *apiError) { return s.state.delete(a) },
}

// claimsHolder carries the verified token out of kin-openapi's authentication callback.
type claimsHolder struct {
	claims claims.Claims
	kid    string
}

type holderKey struct{}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Done()
	if strings.HasPrefix(r.URL.Path, AdminPath) {
		s.serveAdmin(w, r)
		return
	}
	method, viaCmd := "", false
	switch {
	case r.URL.Path == BasePath || r.URL.Path == BasePath+"/":
		viaCmd = true
	case strings.HasPrefix(r.URL.Path, BasePath+"/"):
		method = strings.TrimPrefix(r.URL.Path, BasePath+"/")
	default:
		http.Error(w, "apitest: not found: the API is under "+BasePath+"/, the admin endpoints under "+AdminPath, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "apitest: the Management API takes POST", http.StatusMethodNotAllowed)
		return
	}
	vals, err := gatherParams(r)
	if err != nil {
		s.writeError(w, nil, CodeInvalidArguments, "Invalid arguments: "+err.Error())
		return
	}
	if viaCmd {
		cmds := vals["cmd"]
		delete(vals, "cmd")
		switch len(cmds) {
		case 0:
			s.writeError(w, nil, CodeMissingCmd, "Missing 'cmd' parameter")
			return
		case 1:
			method = cmds[0]
		default:
			s.writeError(w, nil, CodeInvalidArguments, fmt.Sprintf("Invalid arguments: parameter \"cmd\" given %d times", len(cmds)))
			return
		}
	}

	// The canonical request: the shape openapi.yaml describes, with each parameter once.
	first := url.Values{}
	for name, vs := range vals {
		first.Set(name, vs[0])
	}
	canonical, err := http.NewRequestWithContext(r.Context(), http.MethodPost, s.URL+"/"+url.PathEscape(method)+"?"+first.Encode(), nil)
	if err != nil || method == "" {
		s.writeError(w, nil, CodeUnknownCommand, fmt.Sprintf("Unknown command %q", method))
		return
	}
	if a := r.Header.Get("Authorization"); a != "" {
		canonical.Header.Set("Authorization", normalizeAuthorization(a))
	}
	canonical.Header.Set("User-Agent", r.UserAgent())
	route, pathParams, err := s.router.FindRoute(canonical)
	if err != nil {
		s.writeError(w, nil, CodeUnknownCommand, fmt.Sprintf("Unknown command %q", method))
		return
	}
	opID := route.Operation.OperationID
	h := s.handlers[opID]
	op, ok := paramcodec.ByID(opID)
	if h == nil || !ok {
		// Not in the API's name: the fake lags behind its own spec.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotImplemented)
		w.Write(apiErrorBody(CodeUnknownCommand, "apitest: "+opID+" is in openapi.yaml but the fake does not implement it"))
		return
	}

	holder := &claimsHolder{}
	ctx := context.WithValue(r.Context(), holderKey{}, holder)
	input := &openapi3filter.RequestValidationInput{
		Request:    canonical,
		PathParams: pathParams,
		Route:      route,
		Options:    &openapi3filter.Options{AuthenticationFunc: s.authenticate},
	}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		var secErr *openapi3filter.SecurityRequirementsError
		if errors.As(err, &secErr) {
			s.writeError(w, input, 100, "Authorization failed: "+joinErrors(secErr.Errors))
			return
		}
		s.writeError(w, input, CodeInvalidArguments, "Invalid arguments: "+err.Error())
		return
	}
	// What the validator lets through: unknown and repeated parameters.
	names := make([]string, 0, len(vals))
	for name := range vals {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := op.Lookup(name); !ok {
			s.writeError(w, input, CodeInvalidArguments, fmt.Sprintf("Invalid arguments: unknown parameter %q", name))
			return
		}
		if n := len(vals[name]); n > 1 {
			s.writeError(w, input, CodeInvalidArguments, fmt.Sprintf("Invalid arguments: parameter %q given %d times", name, n))
			return
		}
	}
	params, err := op.FromValues(first)
	if err != nil { // the validator let through something the generated types cannot hold
		s.writeError(w, input, CodeInvalidArguments, "Invalid arguments: "+err.Error())
		return
	}
	if vs := rules.Check(op, params); vs != nil {
		msg := make([]string, len(vs))
		for i, v := range vs {
			msg[i] = v.String()
		}
		s.writeError(w, input, CodeInvalidArguments, "Invalid arguments: "+strings.Join(msg, "; "))
		return
	}

	accepted := Request{
		Operation: op.ID,
		Params:    params,
		Issuer:    int64(holder.claims.Issuer),
		KeyID:     holder.kid,
		IssuedAt:  holder.claims.IssuedAt.Time,
		ExpiresAt: holder.claims.ExpiresAt.Time,
		UserAgent: r.UserAgent(),
	}
	if s.onRequest != nil {
		s.onRequest(accepted)
	}
	reply, result, refusal := s.handle(h, accepted, args{op: op, p: params})

	switch {
	case reply != nil:
		reply.serve(s, w, r, input)
	case refusal != nil:
		s.writeChecked(w, input, http.StatusOK, apiErrorBody(refusal.Code, refusal.Msg))
	default:
		body, err := json.Marshal(result)
		if err != nil {
			http.Error(w, "apitest: encoding the result: "+err.Error(), http.StatusInternalServerError)
			return
		}
		s.writeChecked(w, input, http.StatusOK, body)
	}
}

// handle logs an accepted request and takes its enqueued reply, or runs its handler, under s.mu
// (released even if the handler panics, so that one bad request cannot wedge the server).
func (s *Server) handle(h handler, accepted Request, a args) (reply *Reply, result any, refusal *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.add(accepted)
	if reply = s.popReply(accepted.Operation); reply != nil {
		return reply, nil, nil
	}
	result, refusal = h(s, a)
	return nil, result, refusal
}

// writeError answers with the API's error envelope at HTTP 200, validated against the
// operation's responses when the request reached one (in), else against the ErrorResponse
// schema.
func (s *Server) writeError(w http.ResponseWriter, in *openapi3filter.RequestValidationInput, code int, msg string) {
	body := apiErrorBody(code, msg)
	if in != nil {
		s.writeChecked(w, in, http.StatusOK, body)
		return
	}
	var v any
	err := json.Unmarshal(body, &v)
	if err == nil && s.errSchema != nil {
		err = s.errSchema.VisitJSON(v)
	}
	if err != nil {
		http.Error(w, "apitest: the fake's own response breaks the OpenAPI contract: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// writeChecked validates a response against the spec before writing it; a response that breaks
// the spec is a bug in the fake (or the spec) and becomes a 500 that says so.
func (s *Server) writeChecked(w http.ResponseWriter, in *openapi3filter.RequestValidationInput, status int, body []byte) {
	header := http.Header{"Content-Type": []string{"application/json"}}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
	})
	if err != nil {
		http.Error(w, "apitest: the fake's own response breaks the OpenAPI contract: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// authenticate verifies the bearer JWT for kin-openapi's security check.
func (s *Server) authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearerAuth" {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	header := in.RequestValidationInput.Request.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || raw == "" {
		return errors.New("no bearer token in the Authorization header")
	}
	holder, _ := ctx.Value(holderKey{}).(*claimsHolder)
	if holder == nil {
		holder = &claimsHolder{}
	}
	return s.verify(raw, holder)
}

func (s *Server) verify(raw string, h *claimsHolder) error {
	tok, err := jwt.ParseWithClaims(raw, &h.claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid != s.keyID {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		h.kid = kid
		return &s.key.PublicKey, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithTimeFunc(s.now),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
	)
	if err != nil {
		return fmt.Errorf("token rejected: %w", err)
	}
	c := tok.Claims.(*claims.Claims)
	iss := int64(c.Issuer)
	switch {
	case c.IssuedAt == nil:
		return errors.New("token has no iat")
	case iss != s.accountID && !s.children[iss]:
		return fmt.Errorf("token iss %d is not this account (%d) or one of its children", iss, s.accountID)
	case c.ExpiresAt.Sub(c.IssuedAt.Time) > claims.MaxLifetimeSeconds*time.Second:
		return fmt.Errorf("token lifetime %s exceeds %ds", c.ExpiresAt.Sub(c.IssuedAt.Time), claims.MaxLifetimeSeconds)
	}
	return nil
}

func joinErrors(errs []error) string {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func apiErrorBody(code int, msg string) []byte {
	b, _ := json.Marshal(generated.ErrorResponse{Error: generated.APIError{Code: code, Msg: msg}})
	return b
}
