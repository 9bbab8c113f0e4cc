package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/printable"
	"github.com/voxsip/voxsip/internal/rules"
)

// ErrorCode is a Voximplant Management API error code: generated.ErrorCode, whose values, meanings
// (Text) and Temporary set come from openapi.yaml (components/schemas/ErrorCode). It is an error
// itself, so that errors.Is(err, api.CodeRateLimitExceeded) reports whether err is an [*Error]
// with that code (the Code… constants are generated from the spec into codes.gen.go). Any int may arrive; the spec lists the codes that matter for SIP registrations.
type ErrorCode = generated.ErrorCode

// Error is an error the Management API reported in the body ({"error": {"code": …, "msg": …}}),
// whatever the HTTP status.
type Error struct {
	// Op is the API method, e.g. "UpdateSipRegistration".
	Op string
	// StatusCode is the HTTP status of the response (usually 200).
	StatusCode int
	// Code is the Voximplant error code.
	Code ErrorCode
	// Message is the API's description of the error.
	Message string
	// Details holds the response's "errors" array when it had one.
	Details []ErrorDetail
	// RetryAfter is the delay the server asked for in a Retry-After header (0 if none or invalid).
	RetryAfter time.Duration
	// SuccessToo reports that the body held a complete success answer beside the error (for
	// Create, result 1 and a new registration's id): the API contradicted itself, so for an
	// operation that is not idempotent the error matches ErrOutcomeUnknown.
	SuccessToo bool
}

func (e *Error) retryAfter() time.Duration { return e.RetryAfter }

// ErrorDetail is one entry of a response's "errors" array.
type ErrorDetail struct {
	// Code is the Voximplant error code.
	Code ErrorCode
	// Message is the API's description of the error.
	Message string
}

// Error describes the refusal on one line: operation, code (and its meaning), message (control
// characters escaped, cut after 500 bytes), status.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: error %d", errPrefix, e.Op, int(e.Code))
	if t := e.Code.Text(); t != "" {
		b.WriteString(" (" + t + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + printable.Cut(e.Message, maxShownBytes))
	}
	if e.StatusCode != 200 {
		fmt.Fprintf(&b, " [HTTP %d]", e.StatusCode)
	}
	if n := len(e.Details); n > 1 {
		fmt.Fprintf(&b, " (+%d more)", n-1)
	}
	return b.String()
}

// Is reports whether target is this error's [ErrorCode].
func (e *Error) Is(target error) bool {
	c, ok := target.(ErrorCode)
	return ok && c == e.Code
}

// ResponseError reports a response that carried no API error object yet was not a success: an
// unexpected HTTP status, a body that is not the JSON the spec describes, or a result other than
// 1. Body holds a short, scrubbed snippet of what came back.
type ResponseError struct {
	// Op is the API method, e.g. "UpdateSipRegistration".
	Op string
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Reason says what was wrong, e.g. "unexpected HTTP status" or "body is not valid JSON".
	Reason string
	// Body is the start of the response body (at most 200 bytes), with secrets masked.
	Body string
	// RetryAfter is the delay the server asked for in a Retry-After header (0 if none or invalid).
	RetryAfter time.Duration
}

// Error says what was wrong with the response, with its status and a quoted snippet.
func (e *ResponseError) Error() string {
	s := fmt.Sprintf("%s %s: %s (HTTP %d", errPrefix, e.Op, e.Reason, e.StatusCode)
	if e.Body == "" {
		return s + ", empty body)"
	}
	return s + ", body: " + strconv.Quote(e.Body) + ")"
}

// Retryable reports whether the status is one worth retrying: 429, or 5xx except 501 (Not
// Implemented will not change).
func (e *ResponseError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests ||
		(e.StatusCode >= 500 && e.StatusCode <= 599 && e.StatusCode != http.StatusNotImplemented)
}

func (e *ResponseError) retryAfter() time.Duration { return e.RetryAfter }

// ValidationError reports parameters that break the API's rules; it is returned before any
// network I/O.
type ValidationError struct {
	// Op is the API method, e.g. "UpdateSipRegistration".
	Op string
	// Violations lists each broken rule with the parameters (API names) involved.
	Violations []Violation
}

// Violation is one broken parameter rule.
type Violation struct {
	// Params are the API names of the parameters at fault, e.g. "user_id", "application_id".
	Params []string
	// Reason says what is wrong.
	Reason string
}

// Error lists every broken rule with the parameters involved.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = strings.Join(v.Params, ", ") + ": " + v.Reason
	}
	return errPrefix + " " + e.Op + ": invalid parameters: " + strings.Join(parts, "; ")
}

// Params returns the API names of all parameters at fault, without repeats.
func (e *ValidationError) Params() []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range e.Violations {
		for _, p := range v.Params {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func newValidationError(op string, vs []rules.Violation) *ValidationError {
	e := &ValidationError{Op: op, Violations: make([]Violation, len(vs))}
	for i, v := range vs {
		e.Violations[i] = Violation{Params: v.Params, Reason: v.Reason}
	}
	return e
}

// RedirectError reports a redirect the client refused to follow: requests carry a SIP password
// and a bearer token, which must not go to another address.
type RedirectError struct {
	// Op is the API method, e.g. "UpdateSipRegistration".
	Op string
	// StatusCode is the redirect's HTTP status, e.g. 307.
	StatusCode int
	// Location is where the server pointed, with secrets masked.
	Location string
}

// Error says that a redirect was refused and where it pointed (masked, control characters
// escaped, cut after 500 bytes).
func (e *RedirectError) Error() string {
	return fmt.Sprintf("%s %s: refused to follow a redirect (HTTP %d) to %s; check the base URL",
		errPrefix, e.Op, e.StatusCode, printable.Cut(e.Location, maxShownBytes))
}

// maxShownBytes is how much of a server's text (an error message, a redirect's Location) an
// error's line shows; the field keeps all of it.
const maxShownBytes = 500

// AttemptsError is returned when retries ran out: it says how many attempts were made and wraps
// the last attempt's error.
type AttemptsError struct {
	// Attempts is how many attempts were made.
	Attempts int
	// Err is the last attempt's error.
	Err error
}

// Error says how many attempts were made, then the last one's error (under one prefix).
func (e *AttemptsError) Error() string {
	return fmt.Sprintf("%s giving up after %d attempts: %s", errPrefix, e.Attempts, strings.TrimPrefix(e.Err.Error(), errPrefix+" "))
}

// Unwrap returns the last attempt's error.
func (e *AttemptsError) Unwrap() error { return e.Err }

// ErrOutcomeUnknown is matched (errors.Is) by the error of a call that is not idempotent
// (CreateSipRegistration) when the request may have reached the API and no answer says whether
// it acted: a 5xx, a timeout, a connection reset after the request was written, an unreadable
// body. Such a call is never retried; list the registrations before trying again.
var ErrOutcomeUnknown = errors.New(errPrefix + " the request may have taken effect")

// unknownOutcome marks err with ErrOutcomeUnknown and says what to do.
type unknownOutcome struct {
	op  string
	err error
}

// Error is the cause, then why the call was not retried.
func (e *unknownOutcome) Error() string {
	return e.err.Error() + " (" + e.op + " is not idempotent, so it was not retried: it may have taken effect; " +
		"check with GetSipRegistrations before trying again)"
}

// Unwrap returns the cause and ErrOutcomeUnknown.
func (e *unknownOutcome) Unwrap() []error { return []error{e.err, ErrOutcomeUnknown} }

// ErrNoCredentials is returned by [NewClient] when no credential option is given and
// VOXIMPLANT_CREDENTIALS is not set.
var ErrNoCredentials = errors.New(errPrefix + " no credentials: use WithCredentialsFile, WithCredentials or WithTokenSource, or set VOXIMPLANT_CREDENTIALS")
