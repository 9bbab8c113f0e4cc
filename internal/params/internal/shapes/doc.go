// Package shapes is generated from shapes.yaml, one operation with a query parameter of every
// shape voxsip encodes, by the templates that generate package generated: a test fixture for
// internal/params. Nothing outside tests imports it.
package shapes
