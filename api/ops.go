package api

import (
	"context"
	"fmt"

	"github.com/voxsip/voxsip/generated"
)

// The parameter and result types are the generated types themselves (aliases), so a parameter
// added to openapi.yaml reaches users with go generate alone; `go doc generated.X` lists every
// field with the spec's description. Optional fields are pointers: nil leaves a field alone (or
// does not filter), Ptr("") sends the empty string (clears a field). Each Params type also has
// nil-safe getters (p.GetProxy() is "" when Proxy is nil), Validate, SetParam and ParamText by
// API name, and SecretValues; its JSON (MarshalJSON) masks the password.
type (
	// CreateSIPRegistrationParams are the parameters of CreateSipRegistration: SIPUsername and
	// Proxy (required), AuthUser, OutboundProxy, Password (secret), IsPersistent, and the
	// binding pairs ApplicationID/ApplicationName, RuleID/RuleName, UserID/UserName.
	CreateSIPRegistrationParams = generated.CreateSIPRegistrationParams
	// CreateSIPRegistrationResult is what CreateSipRegistration returns: Result (1), the new
	// SIPRegistrationID and AccountInfo, the account's state after the purchase (optional).
	CreateSIPRegistrationResult = generated.CreateSIPRegistrationResult
	// AccountInfo is the account's state after a purchase: AccountID, Frozen, Balance and
	// Currency.
	AccountInfo = generated.AccountInfo
	// GetSIPRegistrationsParams are the filters and paging of GetSipRegistrations: Count and
	// Offset page; SIPRegistrationID, SIPUsername, Proxy, Deactivated, Successful, IsPersistent,
	// InProgress, IsBoundToApplication, StatusCode and the ";"-separated lists ApplicationID,
	// ApplicationName, RuleID, RuleName, UserID and UserName filter.
	GetSIPRegistrationsParams = generated.GetSIPRegistrationsParams
	// GetSIPRegistrationsResult is one page of GetSipRegistrations: Result holds the page, Count
	// the number of registrations that match on all pages.
	GetSIPRegistrationsResult = generated.GetSIPRegistrationsResult
	// SIPRegistration is a registration as GetSipRegistrations returns it (never with its
	// password): SIPRegistrationID, SIPUsername, Proxy, LastUpdated, Deactivated,
	// NextSubscriptionRenewal, PurchaseDate, SubscriptionPrice and IsPersistent are always
	// present (values); AuthUser, OutboundProxy, Successful, StatusCode, ErrorMessage and the
	// binding ApplicationID/ApplicationName, RuleID/RuleName, UserID/UserName are optional
	// (pointers).
	SIPRegistration = generated.SIPRegistration
	// UpdateSIPRegistrationParams are the parameters of UpdateSipRegistration:
	// SIPRegistrationID (required), then what to change: SIPUsername, Proxy, AuthUser,
	// OutboundProxy, Password (secret) and the binding pairs ApplicationID/ApplicationName,
	// RuleID/RuleName, UserID/UserName.
	UpdateSIPRegistrationParams = generated.UpdateSIPRegistrationParams
	// BindSIPRegistrationParams are the parameters of BindSipRegistration: SIPRegistrationID
	// (required unless Bind is false), Bind (false unbinds), and the binding pairs
	// ApplicationID/ApplicationName, RuleID/RuleName, UserID/UserName.
	BindSIPRegistrationParams = generated.BindSIPRegistrationParams
	// DeleteSIPRegistrationParams are the parameters of DeleteSipRegistration:
	// SIPRegistrationID (required).
	DeleteSIPRegistrationParams = generated.DeleteSIPRegistrationParams
)

// Ptr returns a pointer to v, for optional parameters: api.Ptr("sip.example.com").
func Ptr[T any](v T) *T { return &v }

// opGet is GetSipRegistrations, whose id the page walk names in its errors.
var opGet = opFor[GetSIPRegistrationsParams]()

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
	for i := range r.Result { // the walk tells rows apart by id: one without would be lost
		if r.Result[i].SIPRegistrationID <= 0 {
			return fmt.Sprintf("row %d of the page has no sip_registration_id", i+1)
		}
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
	return call(ctx, c, p, createdOK)
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
	return call(ctx, c, p, pageOK)
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
	_, err := call(ctx, c, p, resultIsOne)
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
	_, err := call(ctx, c, p, resultIsOne)
	return err
}

// DeleteSIPRegistration deletes a SIP registration (POST /DeleteSipRegistration). Deleting is
// retried like Update: a second delete of the same id cannot delete anything else (it reports
// that the registration does not exist).
//
// Allowed roles: Owner, Admin. API reference:
// https://voximplant.com/docs/references/httpapi/sipregistration#deletesipregistration
func (c *Client) DeleteSIPRegistration(ctx context.Context, p *DeleteSIPRegistrationParams) error {
	_, err := call(ctx, c, p, resultIsOne)
	return err
}

// ValidateCreateSIPRegistration checks p against the API's parameter rules, as
// CreateSIPRegistration does before sending, and returns a *ValidationError or nil.
func ValidateCreateSIPRegistration(p *CreateSIPRegistrationParams) error { return Validate(p) }

// ValidateGetSIPRegistrations checks p as GetSIPRegistrations does before sending.
func ValidateGetSIPRegistrations(p *GetSIPRegistrationsParams) error {
	if p == nil {
		return nil
	}
	return Validate(p)
}

// ValidateUpdateSIPRegistration checks p against the API's parameter rules, as
// UpdateSIPRegistration does before sending, and returns a *ValidationError or nil. Use it to
// check input early (a dry run, a form) without a client.
func ValidateUpdateSIPRegistration(p *UpdateSIPRegistrationParams) error { return Validate(p) }

// ValidateBindSIPRegistration checks p as BindSIPRegistration does before sending.
func ValidateBindSIPRegistration(p *BindSIPRegistrationParams) error { return Validate(p) }

// ValidateDeleteSIPRegistration checks p as DeleteSIPRegistration does before sending.
func ValidateDeleteSIPRegistration(p *DeleteSIPRegistrationParams) error { return Validate(p) }
