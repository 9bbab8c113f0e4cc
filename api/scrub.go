package api

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/internal/params"
)

// mask replaces secret values in anything the client prints.
const mask = params.Mask

// secretParams are the query parameters whose values never appear in errors or logs.
var secretParams = params.SecretNames()

// scrubber masks one request's secrets: the values of its secret query parameters (exactly as
// encoded in the query, decoded, and in the url package's escapings) and the bearer token of the
// current attempt. It works out those forms only when first used, since most calls never build an
// error. The zero scrubber still masks secret query parameters.
type scrubber struct {
	rawQuery string
	token    auth.Token

	ready   bool
	secrets []string
}

func newScrubber(rawQuery string) scrubber { return scrubber{rawQuery: rawQuery} }

// prepare works out the forms of the secret values to mask, from the query alone: whatever
// parameter the spec marks secret is covered, in every form it may be echoed in.
func (s *scrubber) prepare() {
	if s.ready {
		return
	}
	s.ready = true
	for q := s.rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		name, value, _ := strings.Cut(pair, "=")
		if !slices.Contains(secretParams, name) {
			continue
		}
		s.add(value) // as encoded, which need not match either escaping below
		if raw, err := url.QueryUnescape(value); err == nil {
			s.add(raw)
			s.add(url.QueryEscape(raw))
			s.add(url.PathEscape(raw))
		}
	}
}

func (s *scrubber) add(secret string) {
	if secret == "" {
		return
	}
	for _, have := range s.secrets {
		if have == secret {
			return
		}
	}
	s.secrets = append(s.secrets, secret)
}

// String masks secret query parameters and every known secret in str.
func (s *scrubber) String(str string) string {
	s.prepare()
	str = scrubQuery(str)
	for _, secret := range s.secrets {
		str = strings.ReplaceAll(str, secret, mask)
	}
	if tok := s.token.Value(); tok != "" {
		str = strings.ReplaceAll(str, tok, mask)
	}
	return str
}

// snippetBytes is how much of a response body an error quotes.
const snippetBytes = 200

// snippet returns the start of body for an error message: masked first (so that a secret cut
// in two by the limit cannot show its first half), then cut to snippetBytes on a rune boundary.
func (s *scrubber) snippet(body []byte) string {
	s.prepare()
	window := snippetBytes + len(s.token.Value())
	for _, secret := range s.secrets {
		window += len(secret)
	}
	if len(body) < window {
		window = len(body)
	}
	str := s.String(strings.ToValidUTF8(string(body[:window]), "\uFFFD"))
	if len(str) > snippetBytes {
		cut := snippetBytes
		for cut > 0 && !utf8.RuneStart(str[cut]) {
			cut--
		}
		str = str[:cut] + "…"
	}
	return str
}

// scrubQuery masks the values of secret query parameters wherever "name=" appears in str.
func scrubQuery(str string) string {
	for _, name := range secretParams {
		key := name + "="
		from := 0
		for {
			i := strings.Index(str[from:], key)
			if i < 0 {
				break
			}
			start := from + i + len(key)
			// Only a parameter boundary counts: start of string, '?', '&' or ';' before the name.
			if j := from + i; j > 0 && !strings.ContainsRune("?&;", rune(str[j-1])) {
				from = start
				continue
			}
			end := start
			for end < len(str) && !strings.ContainsRune("&;# \"'<>\n", rune(str[end])) {
				end++
			}
			str = str[:start] + mask + str[end:]
			from = start + len(mask)
		}
	}
	return str
}

// Error rebuilds err so that its text carries no secret, keeping what callers branch on:
// *url.Error stays a *url.Error (with the URL masked) wrapping the scrubbed cause, and every
// error keeps its chain for errors.Is and errors.As.
func (s *scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue == err {
		return &url.Error{Op: ue.Op, URL: s.String(ue.URL), Err: s.Error(ue.Err)}
	}
	msg := err.Error()
	if clean := s.String(msg); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

// scrubbedError keeps a cause for errors.Is/As but prints a masked message.
type scrubbedError struct {
	msg string
	err error
}

// Error returns the masked message.
func (e *scrubbedError) Error() string { return e.msg }

// Unwrap returns the original error, for errors.Is and errors.As.
func (e *scrubbedError) Unwrap() error { return e.err }
