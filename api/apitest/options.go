package apitest

import (
	"crypto/rsa"
	"time"

	"github.com/voxsip/voxsip/generated"
)

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

// WithStrict makes the server refuse an unknown parameter with code 101 instead of ignoring it
// (with a warning) as the service does: to catch a client's typos, such as userName for
// user_name.
func WithStrict() Option { return func(s *Server) { s.strict = true } }

// WithRole gives the key of the server's credentials these roles (e.g. "Developer"): an
// operation whose x-voxsip-roles in openapi.yaml (generated.OperationInfo.Roles) includes none of them is refused with code
// 104 (forbidden command; which code the service uses is a guess). Without WithRole every
// operation is allowed.
func WithRole(roles ...string) Option {
	return func(s *Server) { s.roles = append(s.roles, roles...) }
}

// WithReadTimeout bounds how long a request, headers and body, may take to arrive
// (DefaultReadTimeout by default): a client that trickles its body is cut off after d.
func WithReadTimeout(d time.Duration) Option { return func(s *Server) { s.readTime = d } }
