package redact_test

import (
	"net/url"
	"testing"

	"github.com/voxsip/voxsip/internal/redact"
)

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example/platform_api":                  "https://api.example/platform_api",
		"https://user:s3cret@api.example/x?password=p#frag": "https://***@api.example/x",
		"https://user@api.example/a%2Fb?token=t":            "https://***@api.example/a%2Fb",
		"http://127.0.0.1:8080/":                            "http://127.0.0.1:8080/",
		"https://api.example/?":                             "https://api.example/",
		"https://:pw@api.example":                           "https://***@api.example",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := redact.URL(u); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}
