package apitest

// handler runs an accepted request against the state (s.stateMu held: for reading when the
// operation is in readOnly) and returns the result to encode or a refusal.
type handler func(s *Server, a args) (any, *apiError)

// handlers lists the operations the fake implements, by operationId; each Server holds a copy.
var handlers = map[string]handler{
	"CreateSipRegistration": func(s *Server, a args) (any, *apiError) { return s.state.create(a, s.now(), s.accountID) },
	"GetSipRegistrations":   func(s *Server, a args) (any, *apiError) { return s.state.get(a) },
	"UpdateSipRegistration": func(s *Server, a args) (any, *apiError) { return s.state.update(a, s.now()) },
	"BindSipRegistration":   func(s *Server, a args) (any, *apiError) { return s.state.bindOp(a, s.now()) },
	"DeleteSipRegistration": func(s *Server, a args) (any, *apiError) { return s.state.delete(a) },
}

// readOnly are the operations that only read the state.
var readOnly = map[string]bool{"GetSipRegistrations": true}

// outcome is what an accepted call comes to: an enqueued reply, a refusal or a result.
type outcome struct {
	reply   *Reply
	refusal *apiError
	result  any
}

// dispatch logs the accepted call (and tells OnRequest), then takes its enqueued reply or runs
// its operation's handler.
func (s *Server) dispatch(c *call) outcome {
	accepted := Request{
		Operation: c.op.ID,
		Params:    c.params,
		Issuer:    int64(c.claims.Issuer),
		KeyID:     c.kid,
		IssuedAt:  c.claims.IssuedAt.Time,
		ExpiresAt: c.claims.ExpiresAt.Time,
		UserAgent: c.r.UserAgent(),
		Warnings:  c.warnings,
	}
	if s.onRequest != nil {
		s.onRequest(accepted)
	}
	return s.handle(c.h, accepted, args{op: c.op, p: c.params})
}

// handle logs an accepted request and takes its enqueued reply, or runs its handler under the
// state's lock (released even if the handler panics, so that one bad request cannot wedge the
// server).
func (s *Server) handle(h handler, accepted Request, a args) outcome {
	s.mu.Lock()
	s.log.add(accepted)
	reply := s.popReply(accepted.Operation)
	s.mu.Unlock()
	if reply != nil {
		return outcome{reply: reply}
	}
	if readOnly[accepted.Operation] {
		s.stateMu.RLock()
		defer s.stateMu.RUnlock()
	} else {
		s.stateMu.Lock()
		defer s.stateMu.Unlock()
	}
	result, refusal := h(s, a)
	return outcome{result: result, refusal: refusal}
}
