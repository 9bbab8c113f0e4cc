package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/voxsip/voxsip/generated"
)

// The parameter and result types are the generated types themselves (aliases), so a parameter
// added to openapi.yaml reaches users with go generate alone. Optional parameters are pointers:
// nil leaves a field alone (or does not filter), Ptr("") sends the empty string (clears a field).
type (
	// CreateSIPRegistrationParams are the parameters of CreateSipRegistration.
	CreateSIPRegistrationParams = generated.CreateSIPRegistrationParams
	// CreateSIPRegistrationResult is what CreateSipRegistration returns: the new
	// SIPRegistrationID and the account's state after the purchase.
	CreateSIPRegistrationResult = generated.CreateSIPRegistrationResult
	// AccountInfo is the account's state after a purchase.
	AccountInfo = generated.AccountInfo
	// GetSIPRegistrationsParams are the filters and paging of GetSipRegistrations.
	GetSIPRegistrationsParams = generated.GetSIPRegistrationsParams
	// GetSIPRegistrationsResult is one page of GetSipRegistrations: Result holds the page, Count
	// the number of registrations that match on all pages.
	GetSIPRegistrationsResult = generated.GetSIPRegistrationsResult
	// SIPRegistration is a registration as GetSipRegistrations returns it (never with its
	// password). Fields that are always present are values; optional ones are pointers.
	SIPRegistration = generated.SIPRegistration
	// UpdateSIPRegistrationParams are the parameters of UpdateSipRegistration.
	UpdateSIPRegistrationParams = generated.UpdateSIPRegistrationParams
	// BindSIPRegistrationParams are the parameters of BindSipRegistration.
	BindSIPRegistrationParams = generated.BindSIPRegistrationParams
	// DeleteSIPRegistrationParams are the parameters of DeleteSipRegistration.
	DeleteSIPRegistrationParams = generated.DeleteSIPRegistrationParams
)

// Ptr returns a pointer to v, for optional parameters: api.Ptr("sip.example.com").
func Ptr[T any](v T) *T { return &v }

var (
	opCreate = opFor[CreateSIPRegistrationParams]()
	opGet    = opFor[GetSIPRegistrationsParams]()
	opUpdate = opFor[UpdateSIPRegistrationParams]()
	opBind   = opFor[BindSIPRegistrationParams]()
	opDelete = opFor[DeleteSIPRegistrationParams]()
)

// Success checks of each result shape.
func resultIsOne(r *generated.ResultOne) string {
	switch r.Result {
	case 1:
		return ""
	case 0: // absent or 0: the required field says nothing of success
		return "body has no result, want result 1"
	}
	return fmt.Sprintf("result is %d, want 1", r.Result)
}

func createdOK(r *CreateSIPRegistrationResult) string {
	switch {
	case r.Result != 1:
		return fmt.Sprintf("result is %d, want 1", r.Result)
	case r.SIPRegistrationID <= 0:
		return "body has no sip_registration_id"
	}
	return ""
}

func pageOK(r *GetSIPRegistrationsResult) string {
	if r.Result == nil {
		return "body has no result list"
	}
	return ""
}

// CreateSIPRegistration creates a SIP registration (POST /CreateSipRegistration) and returns its
// id. SIPUsername and Proxy are required; the binding pairs are alternatives, and RuleName, UserID
// or UserName need ApplicationID or ApplicationName. A broken rule is a *ValidationError, before
// any network I/O. Binding to a user unbinds that user's previous registration.
//
// Creating reserves a month's subscription fee and is not idempotent: sent twice, it creates two
// registrations. So it is retried only when the API provably did nothing: HTTP 429, codes 314
// and 340, a connection that failed before the request was written, and code 100 once with a
// fresh token. After a 5xx, a timeout, or a reset once the request was sent it is not retried,
// and the error matches ErrOutcomeUnknown: list the registrations before creating again.
//
// Allowed roles: Owner, Admin, Accountant. API reference:
// https://voximplant.com/docs/references/httpapi/sipregistration#createsipregistration
func (c *Client) CreateSIPRegistration(ctx context.Context, p *CreateSIPRegistrationParams) (*CreateSIPRegistrationResult, error) {
	return do(ctx, c, opCreate, p, func(ctx context.Context, edit generated.RequestEditorFn) (*http.Response, error) {
		return c.gen.CreateSIPRegistration(ctx, p, edit)
	}, createdOK)
}

// GetSIPRegistrations returns one page of the account's SIP registrations (POST
// /GetSipRegistrations): Count and Offset page through them (the API's default page size applies
// when Count is nil), the other fields filter (lists separated by ";"). A nil p lists without
// filters. AllSIPRegistrations walks every page.
//
// Allowed roles: Owner, Admin, Developer, Supervisor, Accountant, Support. API reference:
// https://voximplant.com/docs/references/httpapi/sipregistration#getsipregistrations
func (c *Client) GetSIPRegistrations(ctx context.Context, p *GetSIPRegistrationsParams) (*GetSIPRegistrationsResult, error) {
	if p == nil {
		p = &GetSIPRegistrationsParams{}
	}
	return do(ctx, c, opGet, p, func(ctx context.Context, edit generated.RequestEditorFn) (*http.Response, error) {
		return c.gen.GetSIPRegistrations(ctx, p, edit)
	}, pageOK)
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
	_, err := do(ctx, c, opUpdate, p, func(ctx context.Context, edit generated.RequestEditorFn) (*http.Response, error) {
		return c.gen.UpdateSIPRegistration(ctx, p, edit)
	}, resultIsOne)
	return err
}

// BindSIPRegistration binds a SIP registration to an application, rule or user, or unbinds it
// with Bind set to false (POST /BindSipRegistration). SIPRegistrationID is required unless Bind
// is false (unbinding a user from all registrations needs no id); the pairs are alternatives, and
// RuleName, UserID or UserName need ApplicationID or ApplicationName. Binding to a user unbinds
// that user's previous registration. It is idempotent and retried like Update.
//
// Allowed roles: Owner, Admin, Developer. API reference:
// https://voximplant.com/docs/references/httpapi/sipregistration#bindsipregistration
func (c *Client) BindSIPRegistration(ctx context.Context, p *BindSIPRegistrationParams) error {
	_, err := do(ctx, c, opBind, p, func(ctx context.Context, edit generated.RequestEditorFn) (*http.Response, error) {
		return c.gen.BindSIPRegistration(ctx, p, edit)
	}, resultIsOne)
	return err
}

// DeleteSIPRegistration deletes a SIP registration (POST /DeleteSipRegistration). Deleting is
// retried like Update: a second delete of the same id cannot delete anything else (it reports
// that the registration does not exist).
//
// Allowed roles: Owner, Admin. API reference:
// https://voximplant.com/docs/references/httpapi/sipregistration#deletesipregistration
func (c *Client) DeleteSIPRegistration(ctx context.Context, p *DeleteSIPRegistrationParams) error {
	_, err := do(ctx, c, opDelete, p, func(ctx context.Context, edit generated.RequestEditorFn) (*http.Response, error) {
		return c.gen.DeleteSIPRegistration(ctx, p, edit)
	}, resultIsOne)
	return err
}

// ValidateCreateSIPRegistration checks p against the API's parameter rules, as
// CreateSIPRegistration does before sending, and returns a *ValidationError or nil.
func ValidateCreateSIPRegistration(p *CreateSIPRegistrationParams) error { return opCreate.validate(p) }

// ValidateGetSIPRegistrations checks p as GetSIPRegistrations does before sending.
func ValidateGetSIPRegistrations(p *GetSIPRegistrationsParams) error {
	if p == nil {
		return nil
	}
	return opGet.validate(p)
}

// ValidateUpdateSIPRegistration checks p against the API's parameter rules, as
// UpdateSIPRegistration does before sending, and returns a *ValidationError or nil. Use it to
// check input early (a dry run, a form) without a client.
func ValidateUpdateSIPRegistration(p *UpdateSIPRegistrationParams) error { return opUpdate.validate(p) }

// ValidateBindSIPRegistration checks p as BindSIPRegistration does before sending.
func ValidateBindSIPRegistration(p *BindSIPRegistrationParams) error { return opBind.validate(p) }

// ValidateDeleteSIPRegistration checks p as DeleteSIPRegistration does before sending.
func ValidateDeleteSIPRegistration(p *DeleteSIPRegistrationParams) error { return opDelete.validate(p) }
