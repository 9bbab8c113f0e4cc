package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/testutil"
)

// echoPasswords are passwords with what each encoding treats differently, and fragments that
// show any part of them: a masked form leaves none.
var echoPasswords = []struct {
	name      string
	password  string
	fragments []string
}{
	{"ampersand_and_percent", "S3cr3t-P@ss&word=1%", []string{"S3cr3t", "word=1"}},
	{"quotes_brackets_slash_non-ASCII", `S3cr3t-P@ss&word=1% "Zqx9" <Xyw7>/ü'`, []string{"S3cr3t", "word=1", "Zqx9", "Xyw7"}},
	{"invalid_UTF-8", "pw\xffsecretXYZ", []string{"secretXYZ"}},
	{"emoji_beyond_U+FFFF", "pässword😀Zqx9😀end", []string{"Zqx9", "pässw"}},
}

// echoEncodings are the ways a server or proxy may echo a password it was sent.
var echoEncodings = map[string]func(string) string{
	"decoded":         func(s string) string { return s },
	"query-escaped":   url.QueryEscape,
	"query_lower_hex": func(s string) string { return lowerHexEscapes(url.QueryEscape(s)) },
	"query_%20":       func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") },
	"path-escaped":    url.PathEscape,
	"path_lower_hex":  func(s string) string { return lowerHexEscapes(url.PathEscape(s)) },
	"JSON_Go":         func(s string) string { return jsonString(s, true) },
	"JSON_minimal":    func(s string) string { return jsonString(s, false) },
	"JSON_ASCII":      jsonASCII,
	"JSON_upper_hex":  func(s string) string { return upperHexEscapes(jsonASCII(s)) },
	"JSON_slash":      func(s string) string { return strings.ReplaceAll(jsonString(s, true), "/", `\/`) },
	"HTML":            html.EscapeString,
	"HTML_named": func(s string) string {
		return strings.NewReplacer(`"`, "&quot;", "'", "&apos;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	},
	"HTML_hex": func(s string) string {
		return strings.NewReplacer(`"`, "&#x22;", "'", "&#x27;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	},
	"U+FFFD_for_invalid": func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") },
	// A server that decodes into a string type (invalid bytes become U+FFFD), then escapes.
	"U+FFFD_query-escaped": func(s string) string { return url.QueryEscape(strings.ToValidUTF8(s, "\uFFFD")) },
	"U+FFFD_path-escaped":  func(s string) string { return url.PathEscape(strings.ToValidUTF8(s, "\uFFFD")) },
}

// allEchoes are echoEncodings and the encodings of testutil.Echoes (other languages' escaping,
// HTML numeric references, HTML inside JSON, double escaping, upper-cased echoes).
func allEchoes() map[string]func(string) string {
	all := maps.Clone(echoEncodings)
	for name, f := range testutil.Echoes {
		all["also_"+strings.ReplaceAll(name, " ", "_")] = f
	}
	return all
}

func lowerHexEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = bytes.ToLower(b[i+1 : i+2])[0], bytes.ToLower(b[i+2 : i+3])[0]
		}
	}
	return string(b)
}

// jsonString is s inside a JSON string as encoding/json writes it, without the quotes.
func jsonString(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	enc.Encode(s)
	out := strings.TrimSpace(b.String())
	return out[1 : len(out)-1]
}

// jsonASCII is s inside a JSON string with every non-ASCII rune \u-escaped (as Python's
// json.dumps writes it).
func jsonASCII(s string) string {
	var b strings.Builder
	for _, r := range jsonString(s, false) {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
		} else {
			for _, u := range utf16.Encode([]rune{r}) { // a surrogate pair beyond U+FFFF
				fmt.Fprintf(&b, `\u%04x`, u)
			}
		}
	}
	return b.String()
}

// upperHexEscapes writes the \u escapes of s with upper-case hex (as Java's Jackson does).
func upperHexEscapes(s string) string {
	return regexp.MustCompile(`\\u[0-9a-f]{4}`).ReplaceAllStringFunc(s, func(m string) string { return `\u` + strings.ToUpper(m[2:]) })
}

// hostile echoes the password, encoded, at place: as a query parameter, then on its own.
func hostile(place string, encode func(string) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e := encode(r.URL.Query().Get("password"))
		leak := "you sent ?password=" + e + "&x=1 (that is, " + e + ")"
		switch place {
		case "HTML_503":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(503)
			io.WriteString(w, "<html><body>"+leak+"</body></html>")
		case "API_error":
			b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": 101, "msg": leak},
				"errors": []any{map[string]any{"code": 101, "msg": leak}, map[string]any{"code": 1, "msg": leak}}})
			w.Write(b)
		case "not_JSON":
			io.WriteString(w, `{"result": "`+leak+`"`)
		case "redirect":
			w.Header().Set("Location", "https://evil.example/?"+leak)
			w.WriteHeader(307)
		}
	}
}

// TestNoEchoedSecretInAnyEncoding: whatever encoding a hostile server echoes the password in,
// and wherever it puts it, no part of it shows in the error (any verb), in the error's fields
// as JSON (what --json prints) or in the log (text and JSON handlers).
func TestNoEchoedSecretInAnyEncoding(t *testing.T) {
	for _, pw := range echoPasswords {
		for encName, encode := range allEchoes() {
			for _, place := range []string{"HTML_503", "API_error", "not_JSON", "redirect"} {
				t.Run(pw.name+"/"+encName+"/"+place, func(t *testing.T) {
					srv := httptest.NewServer(hostile(place, encode))
					defer srv.Close()
					var text, jsonLog bytes.Buffer
					logger := slog.New(slog.NewMultiHandler(
						slog.NewTextHandler(&text, &slog.HandlerOptions{Level: slog.LevelDebug}),
						slog.NewJSONHandler(&jsonLog, &slog.HandlerOptions{Level: slog.LevelDebug})))
					c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(fixedToken{}), api.WithLogger(logger))
					if err != nil {
						t.Fatal(err)
					}
					defer c.CloseIdleConnections()
					api.SetTimeForTest(c, nil, (&sleeps{}).sleep)
					err = c.UpdateSIPRegistration(context.Background(),
						&api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr(pw.password)})
					if err == nil {
						t.Fatal("no error")
					}
					outputs := map[string]string{"text log": text.String(), "JSON log": jsonLog.String()}
					for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
						outputs["error "+verb] = fmt.Sprintf(verb, err)
					}
					outputs["error as JSON"] = errorJSON(t, err)
					// Masked whole: not a remnant of an escape or a tail is left.
					if !strings.Contains(outputs["error %v"], "?password=***&x=1 (that is, ***)") {
						t.Errorf("the echo is not in the error, masked whole: %v", err)
					}
					if !strings.Contains(text.String(), "password=***") || !strings.Contains(jsonLog.String(), "password=***") {
						t.Errorf("the echo is not in the logs, masked:\n%s%s", &text, &jsonLog)
					}
					for where, out := range outputs {
						for _, f := range pw.fragments {
							if strings.Contains(out, f) {
								t.Errorf("the %s shows %q: %s", where, f, out)
							}
						}
					}
				})
			}
		}
	}
}

// errorJSON marshals err's text and every typed error in its chain, as a --json output would.
func errorJSON(t *testing.T, err error) string {
	t.Helper()
	out := map[string]any{"error": err.Error()}
	var (
		apiErr   *api.Error
		respErr  *api.ResponseError
		redirErr *api.RedirectError
		attErr   *api.AttemptsError
	)
	if errors.As(err, &apiErr) {
		out["api_error"] = apiErr
	}
	if errors.As(err, &respErr) {
		out["response_error"] = respErr
	}
	if errors.As(err, &redirErr) {
		out["redirect_error"] = redirErr
	}
	if errors.As(err, &attErr) {
		out["attempts"] = attErr.Attempts
	}
	b, jerr := json.Marshal(out)
	if jerr != nil {
		t.Fatal(jerr)
	}
	return string(b)
}

// json.Marshal of every params type masks every secret parameter, through the api types and
// through slog's handlers.
func TestParamsMarshalMasksSecrets(t *testing.T) {
	const secret = "S3cr3t-P@ss&word=1%"
	secretOps := 0
	for _, op := range params.All() {
		p := testutil.ValidParams(op)
		n := 0
		for _, f := range op.Fields {
			if f.Secret {
				if err := op.Set(p, f.Name, secret); err != nil {
					t.Fatal(err)
				}
				n++
			}
		}
		if n > 0 {
			secretOps++
		}
		var text, jsonLog bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("x", "params", p)
		slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("x", "params", p)
		byPtr, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		byValue, err := json.Marshal(reflect.ValueOf(p).Elem().Interface())
		if err != nil {
			t.Fatal(err)
		}
		for where, out := range map[string]string{"json.Marshal(&p)": string(byPtr), "json.Marshal(p)": string(byValue),
			"text log": text.String(), "JSON log": jsonLog.String()} {
			if strings.Contains(out, "S3cr3t") || strings.Contains(out, "word=1") {
				t.Errorf("%s: %s shows the secret: %s", op.ID, where, out)
			}
			if n > 0 && where != "text log" && strings.Count(out, `"***"`) != n {
				t.Errorf("%s: %s does not show the %d secret fields masked: %s", op.ID, where, n, out)
			}
		}
	}
	// Through the api types by name, for the two that carry a password.
	for _, p := range []any{
		api.CreateSIPRegistrationParams{SIPUsername: "u", Proxy: "p", Password: api.Ptr(secret)},
		&api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr(secret)},
	} {
		var jsonLog bytes.Buffer
		slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("x", "params", p)
		b, _ := json.Marshal(p)
		for _, out := range []string{string(b), jsonLog.String()} {
			if strings.Contains(out, "S3cr3t") || !strings.Contains(out, `"password":"***"`) {
				t.Errorf("%T: %s", p, out)
			}
		}
	}
	if secretOps < 2 {
		t.Errorf("%d operations with a secret parameter, want at least 2 (Create, Update)", secretOps)
	}
}
