// Package apitest runs a fake Voximplant Management API for tests: yours and ours.
//
// [NewServer] starts it on a loopback port. Point the real client at it with
// api.WithBaseURL(srv.URL) and api.WithCredentials(srv.Credentials()) (or write
// srv.CredentialsJSON() to a file), and it behaves like the real API for UpdateSipRegistration:
//
//   - every request is validated against the module's openapi.yaml with kin-openapi (method, path,
//     parameter types, required parameters); unknown or repeated query parameters are refused too;
//   - the bearer JWT is verified: RS256 signed with the key of the server's credentials, kid equal
//     to the key id, iss equal to the account (or a child account), iat and exp present, exp - iat
//     at most 3600 s, not expired and not issued in the future by the server's clock;
//   - the API's parameter rules are enforced as the API does;
//   - every response the fake writes in the API's name is validated against the spec as well.
//
// Where it differs from the real service: it keeps no registrations (any positive id exists and
// every valid update succeeds), a request that breaks the OpenAPI contract gets HTTP 400 with
// kin-openapi's message (text/plain) instead of an API error, authorization failures answer
// {"error": {"code": 100}} and broken parameter rules {"error": {"code": 101}}, with messages of
// its own.
//
// Tests can inspect what it accepted ([Server.Requests]) and make it misbehave ([Server.Enqueue]
// with [Error], [Status], [Reset], [Hang], [Trickle], [Redirect]). A Server is safe for
// concurrent use.
package apitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// DefaultAccountID is the account of the credentials a Server hands out, unless WithAccountID.
const DefaultAccountID = 1000001

// Server is a running fake Management API.
type Server struct {
	// URL is the API's base URL, for api.WithBaseURL: "http://127.0.0.1:PORT/platform_api".
	URL string

	srv       *httptest.Server
	router    routers.Router
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

	mu       sync.Mutex
	lastID   int64
	requests []Request
	replies  []Reply
}

// Option configures [NewServer].
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

// WithClock sets the clock the server checks token times against, for tests that move time.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// OnRequest calls fn with each request the server accepts, before it answers (fn must not
// block for long; it runs on the request's goroutine).
func OnRequest(fn func(Request)) Option { return func(s *Server) { s.onRequest = fn } }

// WithKey makes the server use key instead of its own throwaway RSA key.
func WithKey(key *rsa.PrivateKey) Option { return func(s *Server) { s.key = key } }

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
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("apitest: %w", err)
	}
	s := &Server{
		accountID: DefaultAccountID,
		children:  map[int64]bool{},
		now:       time.Now,
		closing:   make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	if s.key == nil {
		s.key = throwawayKey()
	}
	var id [16]byte
	rand.Read(id[:]) // never fails (crypto/rand)
	h := hex.EncodeToString(id[:])
	s.keyID = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]

	s.URL = "http://" + l.Addr().String() + BasePath
	doc, err := loadSpec(s.URL)
	if err == nil {
		s.router, err = gorillamux.NewRouter(doc)
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("apitest: %w", err)
	}

	pkcs8, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("apitest: %w", err)
	}
	s.credsJSON, _ = json.MarshalIndent(map[string]any{
		"account_email": "apitest@example.com",
		"account_id":    s.accountID,
		"key_id":        s.keyID,
		"private_key":   string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})),
	}, "", "  ")
	if s.creds, err = auth.ParseCredentials(s.credsJSON); err != nil {
		l.Close()
		return nil, fmt.Errorf("apitest: %w", err)
	}

	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	return s, nil
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

// Close shuts the server down, releasing any request held by Hang or Trickle.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.Close()
}

// Client returns an *http.Client that reaches the server (useful for hand-made requests).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// CredentialsJSON returns a credentials.json (the flat form the control panel saves) whose key
// and account the server accepts. It holds a private key: keep it out of logs.
func (s *Server) CredentialsJSON() []byte { return bytes.Clone(s.credsJSON) }

// Credentials returns CredentialsJSON parsed.
func (s *Server) Credentials() *auth.Credentials { return s.creds }

// AccountID returns the account the server's credentials belong to.
func (s *Server) AccountID() int64 { return s.accountID }

// Request is a call the server accepted (it passed validation and token checks), whatever the
// server answered. Printing it masks secret parameters.
type Request struct {
	// Operation is the operationId (the API method), e.g. "UpdateSipRegistration".
	Operation string
	// Params points to the operation's generated Params struct (e.g.
	// *generated.UpdateSIPRegistrationParams) as the server decoded it; a parameter sent empty
	// is a pointer to "".
	Params any
	// Issuer is the token's iss claim (the account acted for).
	Issuer int64
	// KeyID is the token's kid header.
	KeyID string
	// IssuedAt and ExpiresAt are the token's iat and exp claims.
	IssuedAt, ExpiresAt time.Time
	// UserAgent is the request's User-Agent header.
	UserAgent string
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

// Requests returns the requests accepted so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Enqueue makes the server answer the next accepted requests with replies, in order, instead of
// succeeding. Requests that fail validation do not consume a reply.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies = append(s.replies, replies...)
}

// FailNext makes the server answer the next accepted request with the API error code and msg.
func (s *Server) FailNext(code int, msg string) { s.Enqueue(Error(code, msg)) }

// claimsHolder carries the verified token out of kin-openapi's authentication callback.
type claimsHolder struct {
	claims claims.Claims
	kid    string
}

type holderKey struct{}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	route, pathParams, err := s.router.FindRoute(r)
	if err != nil {
		status := http.StatusNotFound
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			status = http.StatusMethodNotAllowed
		}
		http.Error(w, "apitest: "+err.Error(), status)
		return
	}
	op, ok := paramcodec.ByID(route.Operation.OperationID)
	if !ok {
		http.Error(w, "apitest: operation "+route.Operation.OperationID+" is not implemented", http.StatusNotImplemented)
		return
	}
	if problem := checkQueryNames(op, r.URL.Query()); problem != "" {
		http.Error(w, "apitest: "+problem, http.StatusBadRequest)
		return
	}

	holder := &claimsHolder{}
	ctx := context.WithValue(r.Context(), holderKey{}, holder)
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams,
		Route:      route,
		Options:    &openapi3filter.Options{AuthenticationFunc: s.authenticate},
	}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		var secErr *openapi3filter.SecurityRequirementsError
		if errors.As(err, &secErr) {
			s.writeChecked(w, input, http.StatusOK, apiErrorBody(100, "Authorization failed: "+joinErrors(secErr.Errors)))
			return
		}
		http.Error(w, "apitest: request breaks the OpenAPI contract: "+err.Error(), http.StatusBadRequest)
		return
	}

	params, err := op.FromValues(r.URL.Query())
	if err != nil { // the validator let through something the generated types cannot hold
		http.Error(w, "apitest: "+err.Error(), http.StatusBadRequest)
		return
	}
	if vs := rules.Check(op, params); vs != nil {
		msg := make([]string, len(vs))
		for i, v := range vs {
			msg[i] = v.String()
		}
		s.writeChecked(w, input, http.StatusOK, apiErrorBody(101, "Invalid arguments: "+strings.Join(msg, "; ")))
		return
	}

	accepted := Request{
		Operation: op.ID,
		Params:    params,
		Issuer:    holder.claims.Issuer,
		KeyID:     holder.kid,
		IssuedAt:  holder.claims.IssuedAt.Time,
		ExpiresAt: holder.claims.ExpiresAt.Time,
		UserAgent: r.UserAgent(),
	}
	if s.onRequest != nil {
		s.onRequest(accepted)
	}
	s.mu.Lock()
	s.requests = append(s.requests, accepted)
	var reply *Reply
	if len(s.replies) > 0 {
		reply = &s.replies[0]
		s.replies = s.replies[1:]
	}
	s.mu.Unlock()

	if reply == nil {
		s.writeChecked(w, input, http.StatusOK, s.success(op.ID))
		return
	}
	reply.serve(s, w, r, input)
}

// success is the body of a successful call (stateless for now).
func (s *Server) success(op string) []byte {
	switch op {
	case "CreateSipRegistration":
		s.mu.Lock()
		s.lastID++
		id := s.lastID
		s.mu.Unlock()
		return fmt.Appendf(nil, `{"result":1,"sip_registration_id":%d,"account_info":{"account_id":%d}}`, id, s.accountID)
	case "GetSipRegistrations":
		return []byte(`{"result":[],"count":0}`)
	}
	return []byte(`{"result":1}`)
}

// checkQueryNames refuses query parameters the operation does not have, and repeated ones: the
// OpenAPI validator lets both through, and both hide client bugs.
func checkQueryNames(op *paramcodec.Op, q url.Values) string {
	for name, values := range q {
		if _, ok := op.Lookup(name); !ok {
			return fmt.Sprintf("unknown query parameter %q", name)
		}
		if len(values) > 1 {
			return fmt.Sprintf("query parameter %q given %d times", name, len(values))
		}
	}
	return ""
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
	switch {
	case c.IssuedAt == nil:
		return errors.New("token has no iat")
	case c.Issuer != s.accountID && !s.children[c.Issuer]:
		return fmt.Errorf("token iss %d is not this account (%d) or one of its children", c.Issuer, s.accountID)
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
