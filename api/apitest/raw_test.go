package apitest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/voxsip/voxsip/api/apitest"
)

// token mints a token the server accepts, with iss as given (an int64 or a string) and iat
// from now (the server's clock).
func token(t *testing.T, srv *apitest.Server, iss any, now time.Time) string {
	t.Helper()
	return signed(t, srv, jwt.MapClaims{"iss": iss, "iat": now.Add(-5 * time.Second).Unix(), "exp": now.Add(time.Minute).Unix()}, nil)
}

// shape is one way a client may send a call: where the method and the parameters travel.
type shape struct {
	name string
	// build returns the path under the server root, the query, the body and its content type.
	build func(method string, params url.Values) (path, query string, body []byte, contentType string)
}

func sortedNames(v url.Values) []string {
	names := make([]string, 0, len(v))
	for n := range v {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func multipartBody(fields url.Values) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, name := range sortedNames(fields) {
		for _, v := range fields[name] {
			w.WriteField(name, v)
		}
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func with(v url.Values, name, value string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	out.Add(name, value)
	return out
}

// shapes are the wire shapes of the official clients (see VOXIMPLANT.md).
var shapes = []shape{
	{"query (reference pages, voxsip)", func(m string, p url.Values) (string, string, []byte, string) {
		return apitest.BasePath + "/" + m, p.Encode(), nil, ""
	}},
	{"urlencoded body", func(m string, p url.Values) (string, string, []byte, string) {
		return apitest.BasePath + "/" + m, "", []byte(p.Encode()), "application/x-www-form-urlencoded"
	}},
	{"multipart body (Go, Java, PHP)", func(m string, p url.Values) (string, string, []byte, string) {
		body, ct := multipartBody(p)
		return apitest.BasePath + "/" + m, "", body, ct
	}},
	{"cmd in query", func(m string, p url.Values) (string, string, []byte, string) {
		return apitest.BasePath, with(p, "cmd", m).Encode(), nil, ""
	}},
	{"cmd in urlencoded body (Python)", func(m string, p url.Values) (string, string, []byte, string) {
		return apitest.BasePath, "", []byte(with(p, "cmd", m).Encode()), "application/x-www-form-urlencoded; charset=utf-8"
	}},
	{"cmd in multipart body (Node.js)", func(m string, p url.Values) (string, string, []byte, string) {
		body, ct := multipartBody(with(p, "cmd", m))
		return apitest.BasePath, "", body, ct
	}},
	{"cmd in query, parameters in multipart body", func(m string, p url.Values) (string, string, []byte, string) {
		body, ct := multipartBody(p)
		return apitest.BasePath, url.Values{"cmd": {m}}.Encode(), body, ct
	}},
}

// root is the server's scheme://host:port.
func root(srv *apitest.Server) string { return strings.TrimSuffix(srv.URL, apitest.BasePath) }

// rawCall is one hand-made request.
type rawCall struct {
	method      string // HTTP method; POST when empty
	path, query string
	body        []byte
	contentType string
	auth        string // the whole Authorization header; none when empty
}

// do sends c and returns the status, the headers and the body.
func (c rawCall) do(t *testing.T, srv *apitest.Server) (int, http.Header, []byte) {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	u := root(srv) + c.path
	if c.query != "" {
		u += "?" + c.query
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// apiErr decodes an error envelope; code 0 when the body is not one.
func apiErr(body []byte) (code int, msg string) {
	var e struct {
		Error *struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == nil {
		return 0, ""
	}
	return e.Error.Code, e.Error.Msg
}
