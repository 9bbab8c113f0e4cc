package voxsip_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// oapiCodegenVersion returns the version of oapi-codegen go.mod requires.
func oapiCodegenVersion(t *testing.T) string {
	t.Helper()
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?github\.com/oapi-codegen/oapi-codegen/v2 (v\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require github.com/oapi-codegen/oapi-codegen/v2")
	}
	return string(m[1])
}

// Every user template forked from a stock one records the oapi-codegen version it was taken from,
// and that version is go.mod's: an upgrade must re-take the forks (.ci/retake-client-template)
// instead of silently dropping the upstream fixes they lack.
func TestTemplateForksMatchGoMod(t *testing.T) {
	want := oapiCodegenVersion(t)
	forked := regexp.MustCompile(`forked from oapi-codegen (v\S+)'s (\S+\.tmpl)`)
	paths, err := filepath.Glob("generated/templates/*.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	forks := 0
	for _, path := range paths {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := forked.FindSubmatch(text)
		if m == nil {
			if !strings.HasPrefix(filepath.Base(path), "voxsip-") {
				t.Errorf("%s does not say which oapi-codegen version it was forked from (voxsip's own templates are named voxsip-*.tmpl)", path)
			}
			continue
		}
		forks++
		if string(m[1]) != want {
			t.Errorf("%s was forked from oapi-codegen %s but go.mod requires %s: re-take it (see CONTRIBUTING.md, \"The templates\")", path, m[1], want)
		}
		if string(m[2]) != filepath.Base(path) {
			t.Errorf("%s says it is a fork of %s", path, m[2])
		}
	}
	if forks == 0 {
		t.Fatal("no forked template found")
	}
}
