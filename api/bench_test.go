package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/auth"
)

// The benchmarks compare what a call costs on top of the network: against one loopback server
// answering {"result":1}, with the same five parameters set.
//
//	raw:         a hand-written net/http request, pre-minted token, JSON decoded: the floor
//	client:      api.Client.UpdateSIPRegistration with default options (retries on, token cached)
//	signPerCall: raw, but signing a new JWT per request (the Python client's strategy)
//
// Each runs sequentially, under RunParallel at GOMAXPROCS, and at 64 goroutines.

var benchParams = api.UpdateSIPRegistrationParams{
	SIPRegistrationID: 1234567,
	SIPUsername:       api.Ptr("alice"),
	Password:          api.Ptr("s3cr3t pass"),
	ApplicationID:     api.Ptr(int64(42)),
	UserName:          api.Ptr("alice"),
}

// benchServer answers every request with {"result":1}, like the API on success.
func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	body := []byte(`{"result":1}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// benchTransport is a transport sized for 64 concurrent callers, shared by all three variants
// so that they differ only in what they do per call.
func benchTransport(b *testing.B) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 128
	b.Cleanup(t.CloseIdleConnections)
	return &http.Client{Transport: t}
}

// rawCall is the floor: the request a careful programmer writes by hand.
func rawCall(ctx context.Context, hc *http.Client, endpoint, bearer string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", bearer)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Result int `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 || r.Result != 1 {
		return fmt.Errorf("HTTP %d result %d", resp.StatusCode, r.Result)
	}
	return nil
}

func rawEndpoint(base string) string {
	q := url.Values{}
	q.Set("sip_registration_id", "1234567")
	q.Set("sip_username", "alice")
	q.Set("password", "s3cr3t pass")
	q.Set("application_id", "42")
	q.Set("user_name", "alice")
	return base + "/UpdateSipRegistration?" + q.Encode()
}

// modes run a call sequentially, at GOMAXPROCS goroutines and at 64 goroutines.
var modes = []struct {
	name string
	run  func(b *testing.B, call func(context.Context) error)
}{
	{"seq", func(b *testing.B, call func(context.Context) error) {
		ctx := context.Background()
		for b.Loop() {
			if err := call(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}},
	{"par", func(b *testing.B, call func(context.Context) error) { parallel(b, runtime.GOMAXPROCS(0), call) }},
	{"par64", func(b *testing.B, call func(context.Context) error) { parallel(b, 64, call) }},
}

func parallel(b *testing.B, goroutines int, call func(context.Context) error) {
	b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(context.Background()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkUpdate runs the strategies back to back within each mode, so that drift on a noisy
// machine hits them alike: BenchmarkUpdate/mode=seq/strategy=raw, …/strategy=client, …
func BenchmarkUpdate(b *testing.B) {
	srv := benchServer(b)
	creds := testCreds(b)
	hc := benchTransport(b)
	signer, err := auth.NewSigner(creds)
	if err != nil {
		b.Fatal(err)
	}
	tok, _ := signer.Token(context.Background())
	endpoint := rawEndpoint(srv.URL)
	client, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(creds), api.WithHTTPClient(hc))
	if err != nil {
		b.Fatal(err)
	}

	strategies := []struct {
		name string
		call func(context.Context) error
	}{
		{"raw", func(ctx context.Context) error { return rawCall(ctx, hc, endpoint, "Bearer "+tok.Value()) }},
		{"client", func(ctx context.Context) error {
			p := benchParams
			return client.UpdateSIPRegistration(ctx, &p)
		}},
		{"signPerCall", func(ctx context.Context) error {
			t, err := signer.Token(ctx)
			if err != nil {
				return err
			}
			return rawCall(ctx, hc, endpoint, "Bearer "+t.Value())
		}},
	}
	for _, m := range modes {
		b.Run("mode="+m.name, func(b *testing.B) {
			for _, s := range strategies {
				b.Run("strategy="+s.name, func(b *testing.B) {
					b.ReportAllocs()
					m.run(b, s.call)
				})
			}
		})
	}
}

// cannedTransport answers every request at once with {"result":1}, with no network: under it, a
// call's time is the client's own CPU.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Header: http.Header{"Content-Type": []string{"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"result":1}`)), Request: r,
	}, nil
}

// BenchmarkOverhead measures the client's own CPU per call: the same strategies as
// BenchmarkUpdate, sequential, over a transport that answers at once with no network.
// client − raw is what the client adds (validation, the generated builder, the token editor,
// judging, the retry loop).
func BenchmarkOverhead(b *testing.B) {
	creds := testCreds(b)
	hc := &http.Client{Transport: cannedTransport{}}
	signer, err := auth.NewSigner(creds)
	if err != nil {
		b.Fatal(err)
	}
	tok, _ := signer.Token(context.Background())
	endpoint := rawEndpoint("https://api.example/platform_api")
	client, err := api.NewClient(api.WithBaseURL("https://api.example/platform_api"), api.WithCredentials(creds), api.WithHTTPClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("strategy=raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rawCall(ctx, hc, endpoint, "Bearer "+tok.Value()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("strategy=client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p := benchParams
			if err := client.UpdateSIPRegistration(ctx, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
