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
	"time"

	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/generated"
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

// do is the one place every operation goes through: it validates p, sends attempts through the
// generated client (whose request editors add the token and headers), reads and judges each
// response into R, retries as the policy and the operation's idempotency allow, masks secrets
// in every error, logs each attempt and types the final error. ok returns "" for a body that is
// a success, else what is wrong with it.
func do[R any](ctx context.Context, c *Client, op operation, p secretValuer, send sendFunc, ok func(*R) string) (*R, error) {
	if err := op.validate(p); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", errPrefix, op.ID, err)
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
	case errors.As(err, &apiErr), errors.As(err, &redirErr), errors.As(err, &valErr), errors.Is(err, errNotSent):
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

// envelope is the error part of a response body: {"error": {...}, "errors": [...]}.
type envelope struct {
	Error  *generated.APIError  `json:"error"`
	Errors []generated.APIError `json:"errors"`
}

// errorKey is how an error body starts its member; bodies without it skip the second decode.
var errorKey = []byte(`"error`)

// judge reads and closes resp and returns the decoded success body, or the error it describes.
func judge[R any](ctx context.Context, c *Client, op string, resp *http.Response, sc *scrubber, ok func(*R) string) (*R, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		}
		return nil, fmt.Errorf("%s %s: reading the response (HTTP %d): %w", errPrefix, op, resp.StatusCode, sc.Error(err))
	}
	respErr := func(reason string) *ResponseError {
		return &ResponseError{Op: op, StatusCode: resp.StatusCode, Reason: reason, Body: sc.snippet(body),
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now())}
	}
	if len(body) > MaxResponseBytes {
		// Closing the body unread closes the connection too.
		return nil, respErr(fmt.Sprintf("response body larger than %d bytes; connection closed", MaxResponseBytes))
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, &RedirectError{Op: op, StatusCode: resp.StatusCode, Location: sc.String(resp.Header.Get("Location"))}
	}
	if bytes.Contains(body, errorKey) {
		var env envelope
		if json.Unmarshal(body, &env) == nil {
			if e := apiError(op, resp.StatusCode, &env, sc); e != nil {
				e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
				return nil, e
			}
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, respErr("unexpected HTTP status " + http.StatusText(resp.StatusCode))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, respErr("empty body, want a JSON object")
	}
	r := new(R)
	if err := json.Unmarshal(body, r); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, respErr("body is not the JSON object the API describes")
		}
		return nil, respErr("body is not valid JSON")
	}
	if problem := ok(r); problem != "" {
		return nil, respErr(problem)
	}
	return r, nil
}

// apiError returns the API error a decoded body reports, or nil. Messages are scrubbed: a server
// or proxy may echo the request. "error" wins over "errors"[0].
func apiError(op string, status int, env *envelope, sc *scrubber) *Error {
	var details []ErrorDetail
	for _, d := range env.Errors {
		details = append(details, ErrorDetail{Code: ErrorCode(d.Code), Message: sc.String(d.Msg)})
	}
	switch {
	case env.Error != nil:
		return &Error{Op: op, StatusCode: status, Code: ErrorCode(env.Error.Code), Message: sc.String(env.Error.Msg), Details: details}
	case len(details) > 0:
		return &Error{Op: op, StatusCode: status, Code: details[0].Code, Message: details[0].Message, Details: details}
	}
	return nil
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
