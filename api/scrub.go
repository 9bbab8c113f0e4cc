package api

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/redact"
)

// mask replaces secret values in anything the client prints.
const mask = params.Mask

// secretParams are the names of every parameter that openapi.yaml marks format: password, in
// any operation: their values never appear in errors or logs. paramNames are the names of every
// parameter of every operation: public text that a secret may share a piece with ("password" in
// "password=***").
var secretParams, paramNames = apiParamNames()

// apiParamNames lists, once each, the secret parameters' names and all parameters' names.
func apiParamNames() (secret, all []string) {
	for _, op := range params.All() {
		for _, f := range op.Fields {
			if !slices.Contains(all, f.Name) {
				all = append(all, f.Name)
			}
			if f.Secret && !slices.Contains(secret, f.Name) {
				secret = append(secret, f.Name)
			}
		}
	}
	return secret, all
}

// secretValuer is implemented by every generated Params type: the values of its secret
// parameters (format: password in openapi.yaml).
type secretValuer interface{ SecretValues() []string }

// paramLister is implemented by every generated Params type: each parameter as it is sent.
type paramLister interface {
	EachParam(fn func(name, text string))
}

// scrubber masks one call's secrets: the values of its secret parameters and the bearer token
// of the current attempt, with each of the token's three parts (header, payload, signature) on
// its own. It does not list the encodings a server may echo a secret in: redact.Mask decodes
// what the server returned (JSON string escapes, HTML character references, URL escapes with
// '+' for a space, case folded, several layers deep) and masks whatever decodes to a secret.
// Text that still shows a piece of a secret (an echo cut short) is withheld whole.
//
// What masking cannot promise: a short password (a few characters) is masked wherever those
// characters appear, which may garble a message, and an echo in an encoding that is not an
// escaping (base64, say) is not recognised.
type scrubber struct {
	params secretValuer
	token  string

	ready  bool
	values []string // the secret parameters' values, read once
	public []string // text known not to be secret: parameter names and the other values

	masker      *redact.Masker // prepared for maskerToken: a body of many messages prepares once
	maskerToken string
	prepared    int // how many times a Masker was made, for a test
}

// withheld replaces a text that may show part of a secret.
const withheld = "(withheld: it may show part of a secret)"

// minTokenPart is the shortest part of a token masked on its own.
const minTokenPart = 8

// secrets returns what to mask now: the secret values and the current token with its parts.
func (s *scrubber) secrets() []string {
	if !s.ready {
		s.ready = true
		if s.params != nil {
			s.values = s.params.SecretValues()
		}
		s.public = paramNames
		if l, ok := s.params.(paramLister); ok {
			s.public = slices.Clone(paramNames)
			l.EachParam(func(name, text string) {
				if !slices.Contains(secretParams, name) {
					s.public = append(s.public, text)
				}
			})
		}
	}
	out := s.values
	if s.token != "" {
		out = append(slices.Clip(out), s.token)
		for part := range strings.SplitSeq(s.token, ".") {
			if len(part) >= minTokenPart {
				out = append(out, part)
			}
		}
	}
	return out
}

// masking returns the Masker for the current secrets, made once per token: an error body of many
// messages, each masked on its own, prepares the secrets once.
func (s *scrubber) masking() *redact.Masker {
	if s.masker == nil || s.maskerToken != s.token {
		secrets := s.secrets() // first: it reads the parameters, public values included
		s.masker, s.maskerToken = redact.New(secrets, s.public, mask), s.token
		s.prepared++
	}
	return s.masker
}

// String masks every secret in str, then the values of secret query parameters; a str that
// still shows a piece of a secret becomes the withheld note. Its cost is linear in str.
func (s *scrubber) String(str string) string {
	masked, suspect := s.masking().Mask(str)
	if suspect {
		return withheld
	}
	return scrubQuery(masked)
}

// snippetBytes is how much of a response body an error quotes.
const snippetBytes = 200

// snippet returns the start of body for an error message: the whole body masked first, then cut
// to snippetBytes on a rune boundary. Masking only a window of the body is not enough: the
// window's end may cut a secret, and once the echoes before it shrink to the mask, what is left
// of that secret moves into the snippet. (The body is at most MaxResponseBytes, and only errors
// quote one.)
func (s *scrubber) snippet(body []byte) string {
	str := strings.ToValidUTF8(s.String(string(body)), "\uFFFD")
	if len(str) > snippetBytes {
		cut := snippetBytes
		for cut > 0 && !utf8.RuneStart(str[cut]) {
			cut--
		}
		str = str[:cut] + "…"
	}
	return str
}

// scrubQuery masks the values of secret query parameters wherever "name=" appears in str, in
// one pass per secret parameter.
func scrubQuery(str string) string {
	for _, name := range secretParams {
		str = scrubParam(str, name+"=")
	}
	return str
}

// scrubParam masks the value after each key ("password=") that starts a parameter: at the start
// of str or after '?', '&' or ';'.
func scrubParam(str, key string) string {
	var b strings.Builder
	last, from := 0, 0 // str[:last] is written; the search goes on at from
	for {
		i := strings.Index(str[from:], key)
		if i < 0 {
			break
		}
		at := from + i
		start := at + len(key)
		from = start
		if at > 0 && !strings.ContainsRune("?&;", rune(str[at-1])) {
			continue
		}
		end := start
		for end < len(str) && !strings.ContainsRune("&;# \"'<>\n", rune(str[end])) {
			end++
		}
		b.WriteString(str[last:start])
		b.WriteString(mask)
		last, from = end, end
	}
	if last == 0 {
		return str
	}
	b.WriteString(str[last:])
	return b.String()
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
