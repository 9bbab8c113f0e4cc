package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A hostile server's error body of many messages, each masked on its own, prepares the secrets
// once per token, not once per message: preparing a 4 KiB password per message would make the
// cost body × password.
func TestScrubberPreparesOncePerToken(t *testing.T) {
	pw := strings.Repeat("a", 4096)
	sc := scrubber{params: &UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: Ptr(pw)}}
	var body bytes.Buffer
	body.WriteString(`{"errors":[`)
	for i := range 1000 {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"code":1,"msg":"aaaaaaaaaaaa %d"}`, i)
	}
	body.WriteString(`]}`)
	c := &Client{now: func() time.Time { return time.Unix(1e9, 0) }}
	resp := &http.Response{StatusCode: 400, Header: http.Header{}, Body: io.NopCloser(&body)}
	_, err := judge(context.Background(), c, "Op", resp, &sc, resultIsOne)
	e, ok := err.(*Error)
	if !ok || len(e.Details) != 1000 || e.Details[999].Message != withheld {
		t.Fatalf("judge: %v", err)
	}
	if sc.prepared != 1 {
		t.Errorf("secrets prepared %d times for one token, want 1", sc.prepared)
	}
	sc.token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.c2lnbmF0dXJlc2lnbmF0dXJl"
	if got := sc.String("bad token c2lnbmF0dXJlc2lnbmF0dXJl"); got != "bad token "+mask || sc.prepared != 2 {
		t.Errorf("after a new token: %q, prepared %d times, want the signature masked and 2", got, sc.prepared)
	}
}

// Masking secret query parameters is one pass: a body of many "password=" does not copy the
// body once per occurrence (which, for a 1 MiB body, is some 10⁵ copies of 1 MiB).
func TestScrubQueryIsOnePass(t *testing.T) {
	text := strings.Repeat("&password=x", 10000) + "&password" + "x=1"
	want := strings.Repeat("&password="+mask, 10000) + "&password" + "x=1"
	if got := scrubQuery(text); got != want {
		t.Fatalf("scrubQuery = %.60q…, want %.60q…", got, want)
	}
	if allocs := testing.AllocsPerRun(5, func() { scrubQuery(text) }); allocs > float64(40*len(secretParams)) {
		t.Errorf("scrubQuery of 10000 occurrences made %.0f allocations, want a few per secret parameter", allocs)
	}
}

// A body of the largest size read, made of the one character a 4 KiB password repeats, is
// masked (the whole of an echo) or withheld (pieces only), never quoted as it came; the cost is
// bounded in internal/redact's TestMaskIsLinear.
func TestSelfSimilarBodyIsMaskedOrWithheld(t *testing.T) {
	for pw, want := range map[string]string{strings.Repeat("a", 4096): mask, strings.Repeat("a", 4095) + "b": withheld} {
		sc := scrubber{params: &UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: Ptr(pw)}}
		c := &Client{now: func() time.Time { return time.Unix(1e9, 0) }}
		body := strings.Repeat("a", MaxResponseBytes)
		resp := &http.Response{StatusCode: 502, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		_, err := judge(context.Background(), c, "Op", resp, &sc, resultIsOne)
		e, ok := err.(*ResponseError)
		if !ok || e.Body != want {
			t.Errorf("password of %d bytes: %v, want a body of %q", len(pw), err, want)
		}
	}
}
