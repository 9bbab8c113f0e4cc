package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzJudge feeds arbitrary responses to the decoder: it never panics, accepts exactly the
// successful {"result": 1} answers, quotes at most a short snippet, and never a secret.
func FuzzJudge(f *testing.F) {
	const secret = "fuzz-SECRET-pw"
	for _, seed := range []struct {
		status int
		body   string
	}{
		{200, `{"result":1}`}, {200, `{"result":0}`}, {200, `{"error":{"code":101,"msg":"x"}}`},
		{200, `{"errors":[{"code":1,"msg":"a"}]}`}, {503, `<html>password=` + secret + `</html>`},
		{200, `{"result":`}, {200, ``}, {200, `null`}, {200, `[]`}, {307, ``}, {429, `{}`},
		{500, `{"error":{"code":2,"msg":"` + secret + `"}}`}, {200, strings.Repeat("x", 300) + secret},
	} {
		f.Add(seed.status, []byte(seed.body))
	}
	c := &Client{now: time.Now}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		sc := scrubber{params: &UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: Ptr(secret)}}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		_, err := judge(context.Background(), c, "UpdateSipRegistration", resp, &sc, resultIsOne)

		var r struct {
			Result *json.RawMessage `json:"result"`
			Error  *json.RawMessage `json:"error"`
			Errors *json.RawMessage `json:"errors"`
		}
		isSuccess := status/100 == 2 && json.Unmarshal(body, &r) == nil && r.Result != nil && r.Error == nil &&
			(r.Errors == nil || string(*r.Errors) == "null" || string(*r.Errors) == "[]")
		if isSuccess {
			n, perr := strconv.Atoi(strings.TrimSpace(string(*r.Result)))
			isSuccess = perr == nil && n == 1
		}
		if isSuccess != (err == nil) {
			t.Fatalf("HTTP %d %q: err = %v, success = %v", status, body, err, isSuccess)
		}
		if err == nil {
			return
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("error shows the secret: %v", err)
		}
		var re *ResponseError
		if errors.As(err, &re) && len(re.Body) > snippetBytes+len("…") {
			t.Fatalf("snippet of %d bytes", len(re.Body))
		}
	})
}

// FuzzParseRetryAfter: any header value gives a delay between 0 and a day, and a plain number
// of seconds gives exactly that.
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"3", "0", "-1", "120", "99999999999999999999", " 7 ", "Fri, 27 Nov 2026 12:00:10 GMT",
		"Fri, 27 Nov 2026 11:00:00 GMT", "Sun, 06 Nov 9999 08:49:37 GMT", "soon", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d := parseRetryAfter(v, now)
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("parseRetryAfter(%q) = %v, out of [0, %v]", v, d, maxRetryAfter)
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 && n < 86400 && d != time.Duration(n)*time.Second {
			t.Fatalf("parseRetryAfter(%q) = %v, want %ds", v, d, n)
		}
	})
}
