package api_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
)

// api.Version, the newest released section of CHANGELOG.md and the last release recorded for
// .ci/breaking-check name the same version.
func TestVersionMatchesTheLastRelease(t *testing.T) {
	changelog, err := os.ReadFile("../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$`).FindSubmatch(changelog)
	if m == nil || string(m[1]) != api.Version {
		t.Errorf("CHANGELOG.md's newest release heading is %q, want [%s] with a date", m, api.Version)
	}
	releases, err := os.ReadFile("../.ci/releases")
	if err != nil {
		t.Fatal(err)
	}
	var last string
	for _, line := range strings.Split(string(releases), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			last = line
		}
	}
	if f := strings.Fields(last); len(f) != 2 || f[0] != "v"+api.Version || !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(f[1]) {
		t.Errorf(".ci/releases ends with %q, want \"v%s <commit hash>\"", last, api.Version)
	}
}
