// Package voxsip holds the OpenAPI document that the rest of the module is generated from and
// tested against.
//
// Most users want package [github.com/voxsip/voxsip/api] (the client) or
// [github.com/voxsip/voxsip/api/apitest] (a fake Management API for tests).
package voxsip

import _ "embed"

//go:generate go run ./internal/cmd/speccheck openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config generated/config.yaml openapi.yaml
//go:generate go run ./internal/cmd/decodegen openapi.yaml generated/voximplant.gen.go generated/decode.gen.go
//go:generate go run ./internal/cmd/apicodes openapi.yaml api/codes.gen.go
//go:generate go run ./internal/cmd/speccheck internal/params/internal/shapes/shapes.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config internal/params/internal/shapes/config.yaml internal/params/internal/shapes/shapes.yaml

// OpenAPISpec is the OpenAPI 3.0 document (openapi.yaml) that generated/ is built from and that
// api/apitest validates every request and response against. Treat it as read-only.
//
//go:embed openapi.yaml
var OpenAPISpec []byte
