package main

import (
	"strings"
	"testing"
)

// A short run works end to end and reports every line.
func TestRunReports(t *testing.T) {
	var out strings.Builder
	if err := run(400, 4, 10, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"before the server starts", "after 1,000 requests", "400 requests, 4 workers", "after 400 more"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
