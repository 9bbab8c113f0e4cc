package voxsip_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/voxsip/voxsip/internal/testutil"
)

// The spec validates with kin-openapi, examples included (checked against their schemas).
func TestSpecValidates(t *testing.T) {
	doc := testutil.LoadSpec(t)
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.yaml is invalid: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi version %q, want 3.0.3", doc.OpenAPI)
	}
}

// Every operation, parameter and schema (and schema property) has a description, and every
// example validates against its schema: a broken example must fail, not pass silently.
func TestSpecDescriptionsAndExamples(t *testing.T) {
	doc := testutil.LoadSpec(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Description == "" || op.OperationID == "" {
				t.Errorf("%s %s: operation needs a description and an operationId", method, path)
			}
			for _, p := range op.Parameters {
				if p.Value.Description == "" {
					t.Errorf("%s %s: parameter %s has no description", method, path, p.Value.Name)
				}
				if p.Value.Example != nil {
					if err := p.Value.Schema.Value.VisitJSON(p.Value.Example); err != nil {
						t.Errorf("parameter %s: example does not fit its schema: %v", p.Value.Name, err)
					}
				}
			}
			for status, resp := range op.Responses.Map() {
				for mt, content := range resp.Value.Content {
					if len(content.Examples) == 0 {
						t.Errorf("%s %s %s %s: no examples", method, path, status, mt)
					}
					for name, ex := range content.Examples {
						if err := content.Schema.Value.VisitJSON(ex.Value.Value); err != nil {
							t.Errorf("%s %s %s: example %q does not fit the schema: %v", method, path, status, name, err)
						}
					}
				}
			}
		}
	}
	for name, s := range doc.Components.Schemas {
		if s.Value.Description == "" {
			t.Errorf("schema %s has no description", name)
		}
		for prop, ps := range s.Value.Properties {
			if ps.Value.Description == "" {
				t.Errorf("schema %s: property %s has no description", name, prop)
			}
		}
	}
	// The check above can fail: a wrong example is caught.
	bad := doc.Components.Schemas["ResultOne"].Value
	if err := bad.VisitJSON(map[string]any{"result": "one"}); err == nil {
		t.Error("a string result passed the ResultOne schema")
	}
}

// A program that imports api and auth pulls in only these modules: no generator, no linter, no
// kin-openapi, no progress bar.
func TestLibraryDependenciesStaySmall(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./api", "./auth").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := []string{
		"github.com/voxsip/voxsip/",
		"github.com/golang-jwt/jwt/v5",
		"github.com/oapi-codegen/runtime",
		"github.com/apapsch/go-jsonmerge/v2",
		"github.com/google/uuid",
		// The generated response decoders (generated/decode.gen.go) read JSON with jx, which
		// brings its error package, segmentio/asm and x/sys/cpu (CPU feature detection).
		"github.com/go-faster/jx",
		"github.com/go-faster/errors",
		"github.com/segmentio/asm/",
		"golang.org/x/sys/cpu",
		// Masking compares in Unicode compatibility-decomposed form (internal/redact).
		"golang.org/x/text/unicode/norm",
		"golang.org/x/text/transform",
	}
	for _, pkg := range strings.Fields(string(out)) {
		ok := false
		for _, prefix := range allowed {
			ok = ok || strings.HasPrefix(pkg, prefix)
		}
		if !ok {
			t.Errorf("api/auth depend on %s: keep the library's dependencies small (or allow it here, with a reason in the README)", pkg)
		}
	}
}
