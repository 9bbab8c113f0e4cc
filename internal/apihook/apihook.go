// Package apihook holds what package api lends to the rest of this module and to no one else
// (an internal package cannot be imported from outside the module).
package apihook

// TrustValidated, set by package api when it is initialised, makes client (an *api.Client) skip
// validating the parameters it is given: for a caller that has validated every one of them with
// api.Validate already and does not change them after (the CLI's batches, which check each line
// as they read it, so that a line is validated once). Any other client value is left alone.
var TrustValidated func(client any)
