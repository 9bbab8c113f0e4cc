package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-faster/jx"

	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/jsondec"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/rules"
)

// MaxResponseBytes caps how much of a response body the client reads.
const MaxResponseBytes = 1 << 20

// operation is an operation of openapi.yaml as the client sees it.
type operation struct{ *params.Op }

func opFor[T any, PT interface {
	*T
	generated.OperationParams
}]() operation {
	return operation{params.For[T, PT]()}
}

// validate checks p against the operation's rules from openapi.yaml.
func (op operation) validate(p any) error {
	if vs := rules.Check(op.Op, p); vs != nil {
		return newValidationError(op.ID, vs)
	}
	return nil
}

// sendFunc sends one attempt through the generated client, with edit as an extra request editor.
type sendFunc func(ctx context.Context, edit generated.RequestEditorFn) (*http.Response, error)

// ready checks what do needs before any attempt: p against the operation's rules (unless the
// caller has validated it: apihook.TrustValidated), and that ctx is not done.
func (c *Client) ready(ctx context.Context, op operation, p any) error {
	if !c.prevalidated {
		if err := op.validate(p); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s %s: %w", errPrefix, op.ID, err)
	}
	return nil
}

// do is the one place every operation goes through: it validates p, sends attempts through the
// generated client (whose request editors add the token and headers), reads and judges each
// response into R, retries as the policy and the operation's idempotency allow, masks secrets
// in every error, logs each attempt and types the final error. ok returns "" for a body that is
// a success, else what is wrong with it.
func do[R any](ctx context.Context, c *Client, op operation, p secretValuer, send sendFunc, ok func(*R) string) (*R, error) {
	if err := c.ready(ctx, op, p); err != nil {
		return nil, err
	}
	sc := scrubber{params: p}
	// The auth editor has set the token by the time this runs (client editors run first): keep
	// it to mask it in errors and to invalidate it if the API refuses it.
	var dispatched bool // record ran: the request was built and every editor succeeded
	record := func(_ context.Context, req *http.Request) error {
		dispatched = true
		sc.token = strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
		if !op.Idempotent {
			preventReplay(req)
		}
		return nil
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		var start time.Time
		if c.logger != nil {
			start = time.Now()
		}
		dispatched = false
		r, status, err := attemptOnce(ctx, c, op, send, record, &dispatched, &sc, ok)
		if c.logger != nil {
			c.log(ctx, op.ID, &sc, attempt, status, time.Since(start), err)
		}
		if err == nil {
			return r, nil
		}
		if attempt >= c.retry.MaxAttempts || ctx.Err() != nil {
			return nil, giveUp(op, attempt, err)
		}
		if errors.Is(err, CodeAuthorizationFailed) {
			inv, canInvalidate := c.tokens.(invalidator)
			if !canInvalidate || refreshed || sc.token == "" {
				return nil, giveUp(op, attempt, err)
			}
			inv.Invalidate(auth.NewToken(sc.token, time.Time{}))
			refreshed = true
			continue
		}
		if !c.retry.retryable(err) || (!op.Idempotent && !provablyNotActedOn(err)) {
			return nil, giveUp(op, attempt, err)
		}
		d, canWait := c.retry.delay(attempt, err)
		if !canWait {
			return nil, giveUp(op, attempt, err)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
			return nil, giveUp(op, attempt, fmt.Errorf("%w (no time left to retry before the context's deadline)", err))
		}
		if !c.sleep(d, ctx.Done()) {
			return nil, giveUp(op, attempt, fmt.Errorf("%s %s: %w while waiting to retry; last error: %w", errPrefix, op.ID, ctx.Err(), err))
		}
	}
}

// giveUp types the final error: marked when a call that is not idempotent may have taken
// effect, and wrapped in *AttemptsError after more than one attempt.
func giveUp(op operation, attempts int, err error) error {
	if !op.Idempotent && outcomeUnknown(err) {
		err = &unknownOutcome{op: op.ID, err: err}
	}
	if attempts == 1 {
		return err
	}
	return &AttemptsError{Attempts: attempts, Err: err}
}

// outcomeUnknown reports whether the request may have reached the API without an answer that
// says whether it acted.
func outcomeUnknown(err error) bool {
	var (
		apiErr   *Error
		respErr  *ResponseError
		redirErr *RedirectError
		valErr   *ValidationError
	)
	switch {
	case errors.As(err, &apiErr):
		// The API answered with an error, which says the request was not carried out, unless its
		// code leaves that open (x-voxsip-outcome-unknown: a fatal or internal error), it is a
		// code the spec does not list (or none: code 0), whose meaning nobody knows, or the body
		// also held a complete success answer.
		return apiErr.Code.OutcomeUnknown() || apiErr.Code.Text() == "" || apiErr.SuccessToo
	case errors.As(err, &redirErr), errors.As(err, &valErr), errors.Is(err, errNotSent):
		return false
	case errors.As(err, &respErr):
		return respErr.StatusCode >= 500 || (respErr.StatusCode >= 200 && respErr.StatusCode < 300)
	}
	return !provablyNotActedOn(err)
}

// errNotSent marks an attempt that failed before the request left (a token that could not be
// had, a request that could not be built).
var errNotSent = errors.New("request not sent")

// attemptOnce sends one attempt and judges the response. record is the last request editor and
// sets *dispatched: until it has run, the request has not been handed to the HTTP client.
func attemptOnce[R any](ctx context.Context, c *Client, op operation, send sendFunc, record generated.RequestEditorFn, dispatched *bool, sc *scrubber, ok func(*R) string) (*R, int, error) {
	resp, err := send(ctx, record)
	if err != nil {
		// The builder or a request editor (the token source) failed, whatever its error looks
		// like (a token fetched over HTTP fails with a *url.Error too).
		if !*dispatched {
			return nil, 0, fmt.Errorf("%s %s: %w", errPrefix, op.ID, &notSentError{sc.Error(err)})
		}
		return nil, 0, fmt.Errorf("%s %s: %w", errPrefix, op.ID, sc.Error(err))
	}
	r, err := judge(ctx, c, op.ID, resp, sc, ok)
	return r, resp.StatusCode, err
}

// notSentError is an error from before the request was sent.
type notSentError struct{ err error }

func (e *notSentError) Error() string   { return e.err.Error() }
func (e *notSentError) Unwrap() []error { return []error{e.err, errNotSent} }

// oneOfDecoder is a generated success shape that decodes a body of "it or the error envelope"
// in one pass (generated/decode.gen.go).
type oneOfDecoder interface {
	DecodeOneOfJX(d *jx.Decoder, alt *generated.ErrorResponse) (generated.OneOf, error)
}

// judge reads and closes resp and returns the decoded success body, or the error it describes.
func judge[R any](ctx context.Context, c *Client, op string, resp *http.Response, sc *scrubber, ok func(*R) string) (*R, error) {
	defer resp.Body.Close()
	buf := bodies.Get().(*bytes.Buffer)
	defer recycle(buf)
	buf.Reset()
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, MaxResponseBytes+1))
	body := buf.Bytes()
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		}
		return nil, fmt.Errorf("%s %s: reading the response (HTTP %d): %w", errPrefix, op, resp.StatusCode, sc.Error(err))
	}
	v := verdict{op: op, resp: resp, body: body, sc: sc, now: c.now}
	if len(body) > MaxResponseBytes {
		// Closing the body unread closes the connection too.
		return nil, v.respErr(fmt.Sprintf("response body larger than %d bytes; connection closed", MaxResponseBytes))
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, &RedirectError{Op: op, StatusCode: resp.StatusCode, Location: sc.String(resp.Header.Get("Location"))}
	}
	// One pass decides between the success shape and the error envelope. A body the generated
	// decoder refuses (invalid JSON, a wrong type) is judged by encoding/json, which words why, as
	// is a body read into a type that has no generated decoder (Call's json.RawMessage).
	r, alt := new(R), new(generated.ErrorResponse)
	dec, generatedShape := any(r).(oneOfDecoder)
	if !generatedShape {
		return judgeSlow(&v, ok)
	}
	d := jx.GetDecoder()
	d.ResetBytes(body)
	match, err := dec.DecodeOneOfJX(d, alt)
	if err == nil {
		err = jsondec.End(d)
	}
	jx.PutDecoder(d)
	if err != nil {
		return judgeSlow(&v, ok)
	}
	if e := v.apiError(match&generated.OneOfAlt != 0, alt); e != nil {
		e.SuccessToo = match&generated.OneOfSuccess != 0 && ok(r) == ""
		return nil, e
	}
	return success(&v, r, ok)
}

// bodies recycles the buffers that responses are read into: nothing keeps a body once judged
// (decoded strings, messages and snippets are copies).
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// recycle returns buf to the pool unless a large body made it large.
func recycle(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		bodies.Put(buf)
	}
}

// verdict is what judging a response needs to word its errors.
type verdict struct {
	op   string
	resp *http.Response
	body []byte
	sc   *scrubber
	now  func() time.Time
}

func (v *verdict) respErr(reason string) *ResponseError {
	return &ResponseError{Op: v.op, StatusCode: v.resp.StatusCode, Reason: reason, Body: v.sc.snippet(v.body),
		RetryAfter: parseRetryAfter(v.resp.Header.Get("Retry-After"), v.now())}
}

// success checks the status and the decoded body of a response that carried no API error.
func success[R any](v *verdict, r *R, ok func(*R) string) (*R, error) {
	if v.resp.StatusCode < 200 || v.resp.StatusCode > 299 {
		return nil, v.respErr("unexpected HTTP status " + http.StatusText(v.resp.StatusCode))
	}
	if problem := ok(r); problem != "" {
		return nil, v.respErr(problem)
	}
	if raw, isRaw := any(r).(*json.RawMessage); isRaw { // Call's body, returned as it came
		*raw = v.sc.maskJSON(*raw) // nil: withheld
	}
	return r, nil
}

// judgeSlow judges a body that the generated decoder refused, with encoding/json, in the same
// order as the fast path: the envelope (whatever the status), the status, then the success
// shape; it words what is wrong with the body. An error or errors member of the wrong type
// makes the body wrong, as a wrong type in the success shape does.
func judgeSlow[R any](v *verdict, ok func(*R) string) (*R, error) {
	var env struct {
		Error  *generated.APIError  `json:"error"`
		Errors []generated.APIError `json:"errors"`
	}
	envErr := json.Unmarshal(v.body, &env)
	if envErr == nil {
		alt := generated.ErrorResponse{Errors: &env.Errors}
		if env.Error != nil {
			alt.Error = *env.Error
		}
		if e := v.apiError(env.Error != nil, &alt); e != nil {
			r := new(R)
			e.SuccessToo = json.Unmarshal(v.body, r) == nil && ok(r) == ""
			return nil, e
		}
	}
	if v.resp.StatusCode < 200 || v.resp.StatusCode > 299 {
		return nil, v.respErr("unexpected HTTP status " + http.StatusText(v.resp.StatusCode))
	}
	if len(bytes.TrimSpace(v.body)) == 0 {
		return nil, v.respErr("empty body, want a JSON object")
	}
	r := new(R)
	if err := json.Unmarshal(v.body, r); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, v.respErr("body is not the JSON object the API describes")
		}
		return nil, v.respErr("body is not valid JSON")
	}
	if envErr != nil {
		// Valid JSON whose error or errors member the envelope cannot hold: not a success.
		return nil, v.respErr("body is not the JSON object the API describes")
	}
	return success(v, r, ok)
}

// apiError returns the API error a decoded envelope reports, or nil: hasError says that its
// "error" member was there (and not null). Messages are scrubbed: a server or proxy may echo the
// request. "error" wins over "errors"[0].
func (v *verdict) apiError(hasError bool, env *generated.ErrorResponse) *Error {
	errs := env.GetErrors()
	if !hasError && len(errs) == 0 {
		return nil // a success: nothing to build
	}
	var details []ErrorDetail
	for _, d := range errs {
		details = append(details, ErrorDetail{Code: ErrorCode(d.Code), Message: v.sc.String(d.Msg)})
	}
	e := &Error{Op: v.op, StatusCode: v.resp.StatusCode, Details: details,
		RetryAfter: parseRetryAfter(v.resp.Header.Get("Retry-After"), v.now())}
	if hasError {
		e.Code, e.Message = ErrorCode(env.Error.Code), v.sc.String(env.Error.Msg)
	} else {
		e.Code, e.Message = details[0].Code, details[0].Message
	}
	return e
}

func (c *Client) log(ctx context.Context, op string, sc *scrubber, attempt, status int, d time.Duration, err error) {
	attrs := []slog.Attr{
		slog.String("method", http.MethodPost),
		slog.String("op", op),
		slog.Int("status", status),
		slog.Int("attempt", attempt),
		slog.Duration("duration", d),
	}
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", sc.String(err.Error())))
	}
	c.logger.LogAttrs(ctx, level, "voximplant request", attrs...)
}
