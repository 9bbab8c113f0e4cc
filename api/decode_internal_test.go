package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/voxsip/voxsip/generated"
)

// judgeBoth judges one response with the one-pass decoder (judge) and with encoding/json alone
// (judgeSlow, what the client did before the generated decoders) and fails t unless they agree
// on the result and on the error's words.
func judgeBoth[R any](t *testing.T, status int, body []byte, ok func(*R) string) {
	t.Helper()
	c := &Client{now: func() time.Time { return time.Unix(1e9, 0) }}
	sc := scrubber{params: &UpdateSIPRegistrationParams{SIPRegistrationID: 1}}
	resp := func() *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {"3"}}, Body: io.NopCloser(bytes.NewReader(body))}
	}
	got, errGot := judge(context.Background(), c, "Op", resp(), &sc, ok)
	v := verdict{op: "Op", resp: resp(), body: body, sc: &sc, now: c.now}
	if len(body) > MaxResponseBytes || status/100 == 3 { // judged before decoding
		return
	}
	want, errWant := judgeSlow(&v, ok)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(errGot, errWant) {
		t.Fatalf("HTTP %d %q: one pass gives %+v, %v; encoding/json %+v, %v", status, body, got, errGot, want, errWant)
	}
}

var judgeSeeds = []string{
	`{"result":1}`, `{"result":0}`, `{"result":2}`, `{"result":1,"sip_registration_id":5}`, `{"error":{"code":101,"msg":"x"}}`,
	`{"errors":[{"code":1,"msg":"a"},{"code":2,"msg":"b"}]}`, `{"result":1,"error":null}`, `{"result":1,"Error":{"code":3,"msg":"m"}}`,
	`{"result":[{"sip_registration_id":1,"error_message":"408 timeout"}],"count":1}`, `{"result":[],"count":0}`,
	`{"result":"1"}`, `{"result":1,"error":"oops"}`, `{"result":1.5,"error":{"code":1,"msg":"m"}}`, `{"error":{}}`,
	`{"result":null}`, `{"error":null,"errors":[]}`, `{"result":1} {}`, `null`, `[]`, ``, ` `, `<html>`,
}

// FuzzJudgeOnePass holds the one-pass judging to encoding/json's: the same result or the same
// error, for every success shape of the spec's responses.
func FuzzJudgeOnePass(f *testing.F) {
	for _, s := range judgeSeeds {
		f.Add(200, []byte(s))
		f.Add(500, []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		judgeBoth(t, status, body, resultIsOne)
		judgeBoth(t, status, body, createdOK)
		judgeBoth(t, status, body, pageOK)
	})
}

// The success shapes of the typed methods decode in one pass (a type without a generated
// decoder would silently take the encoding/json path).
func TestTypedResultsHaveGeneratedDecoders(t *testing.T) {
	for _, r := range []any{new(generated.ResultOne), new(CreateSIPRegistrationResult), new(GetSIPRegistrationsResult)} {
		if _, ok := r.(oneOfDecoder); !ok {
			t.Errorf("%T has no generated DecodeOneOfJX", r)
		}
	}
}
