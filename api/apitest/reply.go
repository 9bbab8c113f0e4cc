package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/voxsip/voxsip/generated"
)

// reply writes an accepted call's outcome.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, c *call, out outcome) {
	warn(w, c)
	switch {
	case out.reply != nil:
		out.reply.serve(s, w, r, c.input)
	case out.refusal != nil:
		s.writeChecked(w, c.input, http.StatusOK, apiErrorBody(out.refusal.Code, out.refusal.Msg))
	default:
		body, err := json.Marshal(out.result)
		if err != nil {
			http.Error(w, "apitest: encoding the result: "+err.Error(), http.StatusInternalServerError)
			return
		}
		sample := body
		if page, ok := out.result.(generated.GetSIPRegistrationsResult); ok && len(page.Result) > 1 {
			// Every row comes from the same code: checking one keeps a page of 1,000 cheap.
			page.Result = page.Result[:1]
			sample, _ = json.Marshal(page)
		}
		s.writeCheckedSample(w, c.input, http.StatusOK, body, sample)
	}
}

// refuse writes a failure: the API's envelope, or an HTTP answer outside the API.
func (s *Server) refuse(w http.ResponseWriter, c *call, f *failure) {
	warn(w, c)
	switch f.status {
	case 0:
		s.writeError(w, c.input, int(f.code), f.msg)
	case http.StatusNotImplemented:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		w.Write(apiErrorBody(int(f.code), f.msg))
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", http.MethodPost)
		fallthrough
	default:
		http.Error(w, f.msg, f.status)
	}
}

// WarningHeader carries, one per header line, what the server ignored in a request (an unknown
// parameter) where the service ignores it silently.
const WarningHeader = "X-Apitest-Warning"

func warn(w http.ResponseWriter, c *call) {
	for _, msg := range c.warnings {
		w.Header().Add(WarningHeader, msg)
	}
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
	s.writeCheckedSample(w, in, status, body, body)
}

// writeCheckedSample is writeChecked validating sample (body with fewer rows) in body's place.
func (s *Server) writeCheckedSample(w http.ResponseWriter, in *openapi3filter.RequestValidationInput, status int, body, sample []byte) {
	header := http.Header{"Content-Type": []string{"application/json"}}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(sample)),
	})
	if err != nil {
		http.Error(w, "apitest: the fake's own response breaks the OpenAPI contract: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

func apiErrorBody(code int, msg string) []byte {
	b, _ := json.Marshal(generated.ErrorResponse{Error: generated.APIError{Code: code, Msg: msg}})
	return b
}
