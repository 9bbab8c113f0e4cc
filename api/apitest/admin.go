package apitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// adminEndpoints documents the admin surface; GET /_apitest/ returns it.
var adminEndpoints = []struct {
	Method, Path, Body, Does string
}{
	{"GET", AdminPath + "requests", "", "the request log (last WithLogSize accepted requests, oldest first), secrets masked"},
	{"DELETE", AdminPath + "requests", "", "clear the request log"},
	{"GET", AdminPath + "registrations", "", "the registrations, sorted by id, as GetSipRegistrations returns them"},
	{"POST", AdminPath + "replies", `{"operation":"CreateSipRegistration","replies":[{"error":{"code":340,"msg":"Rate limit"}},{"status":502,"headers":{"Retry-After":"1"},"body":"bad gateway"},{"redirect":"http://elsewhere/","status":307},{"reset":true},{"hang":true},{"trickle":"100ms"}]}`,
		"queue replies for the next accepted requests of operation (omit it: of any operation)"},
	{"DELETE", AdminPath + "replies", "", "drop every queued reply"},
	{"POST", AdminPath + "seed", `{"registrations":[...],"applications":[...],"rules":[...],"users":[...],"max_registrations":10}`, "replace the state (see apitest.Seed)"},
	{"POST", AdminPath + "reset", "", "back to the starting state; clear the log and the queued replies"},
}

// replyJSON is one reply as POST /_apitest/replies takes it: exactly one of error, status,
// redirect, reset, hang and trickle (status also sets a redirect's status, 307 by default).
type replyJSON struct {
	Error    *apiError         `json:"error,omitempty"`
	Status   int               `json:"status,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     string            `json:"body,omitempty"`
	Redirect string            `json:"redirect,omitempty"`
	Reset    bool              `json:"reset,omitempty"`
	Hang     bool              `json:"hang,omitempty"`
	Trickle  string            `json:"trickle,omitempty"`
}

func (rj replyJSON) reply() (Reply, error) {
	switch {
	case rj.Error != nil:
		return Error(rj.Error.Code, rj.Error.Msg), nil
	case rj.Redirect != "":
		status := rj.Status
		if status == 0 {
			status = http.StatusTemporaryRedirect
		}
		return Redirect(status, rj.Redirect), nil
	case rj.Reset:
		return Reset(), nil
	case rj.Hang:
		return Hang(), nil
	case rj.Trickle != "":
		d, err := time.ParseDuration(rj.Trickle)
		if err != nil || d <= 0 {
			return Reply{}, fmt.Errorf("trickle %q is not a positive duration", rj.Trickle)
		}
		return Trickle(d), nil
	case rj.Status >= 100 && rj.Status <= 999:
		h := http.Header{}
		for k, v := range rj.Headers {
			h.Set(k, v)
		}
		return Status(rj.Status, h, rj.Body), nil
	}
	return Reply{}, errors.New("a reply needs one of error, status (100-999), redirect, reset, hang, trickle")
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path[len(AdminPath):]
	handle := map[string]func(w http.ResponseWriter, r *http.Request){
		"GET ": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"api": s.URL, "endpoints": adminEndpoints})
		},
		"GET requests":      func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Requests()) },
		"DELETE requests":   s.adminClearLog,
		"GET registrations": func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Registrations()) },
		"POST replies":      s.adminEnqueue,
		"DELETE replies":    s.adminClearReplies,
		"POST seed":         s.adminSeed,
		"POST reset":        func(w http.ResponseWriter, _ *http.Request) { s.ResetState(); w.WriteHeader(http.StatusNoContent) },
	}[r.Method+" "+path]
	if handle != nil {
		handle(w, r)
		return
	}
	allowed := ""
	for _, e := range adminEndpoints {
		if e.Path == r.URL.Path {
			allowed += ", " + e.Method
		}
	}
	if allowed == "" && path != "" {
		adminFail(w, http.StatusNotFound, fmt.Errorf("no admin endpoint %s; GET %s lists them", r.URL.Path, AdminPath))
		return
	}
	if path == "" {
		allowed = ", GET"
	}
	w.Header().Set("Allow", allowed[2:])
	adminFail(w, http.StatusMethodNotAllowed, fmt.Errorf("%s takes %s", r.URL.Path, allowed[2:]))
}

func adminFail(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// adminDecode decodes r's JSON body into v, refusing unknown keys; false when it has answered.
func adminDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 16<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		adminFail(w, http.StatusBadRequest, fmt.Errorf("body: %w", err))
		return false
	}
	return true
}

func (s *Server) adminClearLog(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.log.clear()
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminClearReplies(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	clear(s.replies)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminEnqueue(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Operation string      `json:"operation"`
		Replies   []replyJSON `json:"replies"`
	}
	if !adminDecode(w, r, &in) {
		return
	}
	replies := make([]Reply, len(in.Replies))
	for i, rj := range in.Replies {
		var err error
		if replies[i], err = rj.reply(); err != nil {
			adminFail(w, http.StatusBadRequest, fmt.Errorf("replies[%d]: %w", i, err))
			return
		}
	}
	if err := s.enqueueFor(in.Operation, replies); err != nil {
		adminFail(w, http.StatusBadRequest, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminSeed(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxSeedBytes+1))
	if err == nil && len(data) > MaxSeedBytes {
		err = fmt.Errorf("larger than %d MiB", MaxSeedBytes>>20)
	}
	var sd Seed
	if err == nil {
		sd, err = ParseSeed(data) // as strict as a seed file: lines, trailing data, dates
	}
	if err == nil {
		err = s.Seed(sd)
	}
	if err != nil {
		adminFail(w, http.StatusBadRequest, fmt.Errorf("body: %w", err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "apitest: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
