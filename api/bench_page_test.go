package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/auth"
)

// Get pages: what GetSIPRegistrations costs against a hand-written net/http call that decodes
// the same page with encoding/json, over a transport stub (the client's own CPU) and over
// loopback. Pages of 20 rows, 20 rows of which every fourth carries error_message (a failed
// registration, which the old judge paid for twice), and 100 rows.

// pageBody returns a GetSipRegistrations answer of n rows shaped like the spec's example.
func pageBody(n int, withErrors bool) []byte {
	page := api.GetSIPRegistrationsResult{Count: int64(10 * n)}
	for i := range n {
		reg := api.SIPRegistration{
			SIPRegistrationID: int64(5310 + i), SIPUsername: fmt.Sprintf("1002%02d", i), Proxy: "sip.example.com",
			LastUpdated: 1795000000 + int64(i), NextSubscriptionRenewal: "2026-12-28", PurchaseDate: "2026-11-28 10:00:00",
			SubscriptionPrice: "0.5000", IsPersistent: true, Successful: api.Ptr(true), StatusCode: api.Ptr(200),
			ApplicationID: api.Ptr(int64(42)), ApplicationName: api.Ptr("call-center"), AuthUser: api.Ptr("auth" + fmt.Sprint(i)),
		}
		if withErrors && i%4 == 0 {
			reg.Successful, reg.StatusCode = api.Ptr(false), api.Ptr(408)
			reg.ErrorMessage = api.Ptr("Request Timeout: no answer from sip.example.com")
		}
		page.Result = append(page.Result, reg)
	}
	b, err := json.Marshal(page)
	if err != nil {
		panic(err)
	}
	return b
}

var pageCases = []struct {
	name   string
	rows   int
	errors bool
}{{"rows=20", 20, false}, {"rows=20-error_message", 20, true}, {"rows=100", 100, false}}

// stubTransport answers every request at once with body.
type stubTransport struct{ body []byte }

func (s stubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Header: http.Header{"Content-Type": []string{"application/json"}},
		Body: io.NopCloser(bytes.NewReader(s.body)), Request: r,
	}, nil
}

// rawGet is the floor: the request a careful programmer writes by hand, the page decoded by
// encoding/json into the same type.
func rawGet(ctx context.Context, hc *http.Client, endpoint, bearer string) error {
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
	var page api.GetSIPRegistrationsResult
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 || page.Result == nil {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func getParams() *api.GetSIPRegistrationsParams {
	return &api.GetSIPRegistrationsParams{Count: api.Ptr(int64(20)), Offset: api.Ptr(int64(0)), ApplicationID: api.Ptr("42")}
}

func getEndpoint(base string) string {
	q := url.Values{}
	q.Set("count", "20")
	q.Set("offset", "0")
	q.Set("application_id", "42")
	return base + "/GetSipRegistrations?" + q.Encode()
}

// BenchmarkGetPage runs raw and client back to back per page shape, over a stub and over
// loopback: BenchmarkGetPage/via=stub/rows=20/strategy=raw, …/strategy=client.
func BenchmarkGetPage(b *testing.B) {
	creds := testCreds(b)
	signer, err := auth.NewSigner(creds)
	if err != nil {
		b.Fatal(err)
	}
	tok, _ := signer.Token(context.Background())
	bearer := "Bearer " + tok.Value()
	for _, via := range []string{"stub", "loopback"} {
		for _, pc := range pageCases {
			body := pageBody(pc.rows, pc.errors)
			base, hc := "https://api.example/platform_api", &http.Client{Transport: stubTransport{body}}
			if via == "loopback" {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.Write(body)
				}))
				b.Cleanup(srv.Close)
				base, hc = srv.URL, benchTransport(b)
			}
			client, err := api.NewClient(api.WithBaseURL(base), api.WithCredentials(creds), api.WithHTTPClient(hc))
			if err != nil {
				b.Fatal(err)
			}
			endpoint := getEndpoint(base)
			ctx := context.Background()
			b.Run("via="+via+"/"+pc.name+"/strategy=raw", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := rawGet(ctx, hc, endpoint, bearer); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("via="+via+"/"+pc.name+"/strategy=client", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := client.GetSIPRegistrations(ctx, getParams()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
