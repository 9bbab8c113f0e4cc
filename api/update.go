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
	"time"

	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/rules"
)

// UpdateSIPRegistrationParams are the parameters of UpdateSipRegistration. It is the generated
// type itself (an alias), so a parameter added to openapi.yaml reaches users with go generate
// alone. Optional parameters are pointers: nil leaves the field alone, Ptr("") clears it.
type UpdateSIPRegistrationParams = generated.UpdateSIPRegistrationParams

// Ptr returns a pointer to v, for optional parameters: api.Ptr("sip.example.com").
func Ptr[T any](v T) *T { return &v }

// MaxResponseBytes caps how much of a response body the client reads.
const MaxResponseBytes = 1 << 20

const opUpdateSIPRegistration = "UpdateSipRegistration"

// ValidateUpdateSIPRegistration checks p against the API's parameter rules, as
// UpdateSIPRegistration does before sending, and returns a *ValidationError or nil. Use it to
// check input early (a dry run, a form) without a client.
func ValidateUpdateSIPRegistration(p *UpdateSIPRegistrationParams) error {
	if vs := rules.Check(p); vs != nil {
		return newValidationError(opUpdateSIPRegistration, vs)
	}
	return nil
}

// UpdateSIPRegistration updates a SIP registration (POST /UpdateSipRegistration).
//
// It checks the API's parameter rules first and returns a *ValidationError without any network
// I/O when p breaks one: SIPRegistrationID is required; ApplicationID/ApplicationName,
// RuleID/RuleName and UserID/UserName are alternatives (at most one of each); and RuleName, UserID
// or UserName need ApplicationID or ApplicationName. Binding the registration to a user unbinds
// the SIP registration that user had before.
//
// Errors: *Error when the API refuses (errors.Is(err, api.CodeInvalidArguments) and the like),
// *ResponseError for an unexpected status or body, *RedirectError for a refused redirect, and
// the context's error when ctx ends. Failed attempts are retried as the client's RetryPolicy says
// (safe: an update sets state); once retries run out the error is an *AttemptsError wrapping the
// last one. No error carries the password or the token.
//
// Allowed roles: Owner, Admin, Developer. API reference:
// https://voximplant.com/docs/references/httpapi/sipregistration#updatesipregistration
func (c *Client) UpdateSIPRegistration(ctx context.Context, p *UpdateSIPRegistrationParams) error {
	const op = opUpdateSIPRegistration
	if err := ValidateUpdateSIPRegistration(p); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("voximplant: %s: %w", op, err)
	}
	// The query is encoded as the generated builder would (a test holds the two to the same
	// bytes), without its per-parameter reflection: it was most of the client's own cost.
	query := params.EncodeQuery(p)
	sc := newScrubber(query)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.updateURL+"?"+query, nil)
	if err != nil {
		return fmt.Errorf("voximplant: %s: building the request: %w", op, sc.Error(err))
	}
	req.Header["User-Agent"] = []string{userAgent}
	req.Header["Accept"] = []string{"application/json"}

	refreshed := false
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, req, &sc, attempt)
		if err == nil {
			return nil
		}
		if attempt >= c.retry.MaxAttempts || ctx.Err() != nil {
			return giveUp(attempt, err)
		}
		if errors.Is(err, CodeAuthorizationFailed) {
			inv, ok := c.tokens.(invalidator)
			if !ok || refreshed {
				return giveUp(attempt, err)
			}
			inv.Invalidate(sc.token)
			refreshed = true
			continue
		}
		if !c.retry.retryable(err) {
			return giveUp(attempt, err)
		}
		d, ok := c.retry.delay(attempt, err)
		if !ok {
			return giveUp(attempt, err)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
			return giveUp(attempt, fmt.Errorf("%w (no time left to retry before the context's deadline)", err))
		}
		if !c.sleep(d, ctx.Done()) {
			return giveUp(attempt, fmt.Errorf("voximplant: %s: %w while waiting to retry; last error: %w", op, ctx.Err(), err))
		}
	}
}

func giveUp(attempts int, err error) error {
	if attempts == 1 {
		return err
	}
	return &AttemptsError{Attempts: attempts, Err: err}
}

// attempt sends req once with a current token and judges the response.
func (c *Client) attempt(ctx context.Context, req *http.Request, sc *scrubber, n int) error {
	if c.logger == nil {
		_, err := c.send(ctx, req, sc)
		return err
	}
	start := time.Now()
	status, err := c.send(ctx, req, sc)
	c.log(ctx, sc, n, status, time.Since(start), err)
	return err
}

func (c *Client) send(ctx context.Context, req *http.Request, sc *scrubber) (int, error) {
	const op = opUpdateSIPRegistration
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return 0, fmt.Errorf("voximplant: %s: getting a token: %w", op, err)
	}
	if tok.IsZero() {
		return 0, fmt.Errorf("voximplant: %s: the token source returned an empty token", op)
	}
	sc.token = tok
	auth.SetAuthorization(req, tok)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("voximplant: %s: %w", op, sc.Error(err))
	}
	return resp.StatusCode, c.judge(ctx, resp, sc)
}

// judge reads and closes resp and returns nil for {"result": 1}, else the error it describes.
func (c *Client) judge(ctx context.Context, resp *http.Response, sc *scrubber) error {
	const op = opUpdateSIPRegistration
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		}
		return fmt.Errorf("voximplant: %s: reading the response (HTTP %d): %w", op, resp.StatusCode, sc.Error(err))
	}
	respErr := func(reason string) *ResponseError {
		return &ResponseError{Op: op, StatusCode: resp.StatusCode, Reason: reason, Body: sc.snippet(body)}
	}
	if len(body) > MaxResponseBytes {
		// Closing the body unread closes the connection too.
		return respErr(fmt.Sprintf("response body larger than %d bytes; connection closed", MaxResponseBytes))
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return &RedirectError{Op: op, StatusCode: resp.StatusCode, Location: sc.String(resp.Header.Get("Location"))}
	}

	var r generated.UpdateResult
	jsonErr := json.Unmarshal(body, &r)
	if jsonErr == nil {
		if e := apiError(op, resp.StatusCode, &r, sc); e != nil {
			return e
		}
	}
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		e := respErr("unexpected HTTP status " + http.StatusText(resp.StatusCode))
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		return e
	case len(bytes.TrimSpace(body)) == 0:
		return respErr("empty body, want a JSON object")
	case jsonErr != nil:
		var typeErr *json.UnmarshalTypeError
		if errors.As(jsonErr, &typeErr) {
			return respErr("body is not the JSON object the API describes")
		}
		return respErr("body is not valid JSON")
	case r.Result == nil:
		return respErr("body has no result")
	case *r.Result != 1:
		return respErr(fmt.Sprintf("result is %d, want 1", *r.Result))
	}
	return nil
}

// apiError returns the API error a decoded body reports, or nil. Messages are scrubbed: a server
// or proxy may echo the request.
func apiError(op string, status int, r *generated.UpdateResult, sc *scrubber) *Error {
	var details []ErrorDetail
	if r.Errors != nil {
		for _, d := range *r.Errors {
			details = append(details, ErrorDetail{Code: ErrorCode(d.Code), Message: sc.String(d.Msg)})
		}
	}
	switch {
	case r.Error != nil:
		return &Error{Op: op, StatusCode: status, Code: ErrorCode(r.Error.Code), Message: sc.String(r.Error.Msg), Details: details}
	case len(details) > 0:
		return &Error{Op: op, StatusCode: status, Code: details[0].Code, Message: details[0].Message, Details: details}
	}
	return nil
}

func (c *Client) log(ctx context.Context, sc *scrubber, attempt, status int, d time.Duration, err error) {
	attrs := []slog.Attr{
		slog.String("method", http.MethodPost),
		slog.String("op", opUpdateSIPRegistration),
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
