package redact

import (
	"net/url"
	"strings"
)

// URL shows u without what may hold a secret: user info becomes "***", and the query and the
// fragment are dropped. The library and the CLI print every URL they quote in an error with it.
func URL(u *url.URL) string {
	shown := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	s := shown.String()
	if u.User != nil {
		s = strings.Replace(s, "//", "//***@", 1)
	}
	return s
}
