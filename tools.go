//go:build tools

// This file pins the code generator's version in go.mod; it is never compiled into the library.
package voxsip

import _ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
