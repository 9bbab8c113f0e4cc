package apitest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// scaled starts a server holding n registrations and a client for it.
func scaled(b *testing.B, n int) *api.Client {
	b.Helper()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	srv := apitest.NewServer(apitest.WithRegistrationIDs(ids...), apitest.WithLogSize(0))
	b.Cleanup(srv.Close)
	c, err := api.NewClient(api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()), api.WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkGetPage is one 20-row GetSipRegistrations through the client, from the middle of
// the account, at 100 and at 100,000 registrations: an indexed page costs the same.
//
//	go test -run '^$' -bench 'GetPage|ListAll' -benchtime 2s ./api/apitest
func BenchmarkGetPage(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("regs=%d", n), func(b *testing.B) {
			c := scaled(b, n)
			p := &api.GetSIPRegistrationsParams{Count: api.Ptr(int64(20)), Offset: api.Ptr(int64(n / 2))}
			b.ResetTimer()
			for b.Loop() {
				page, err := c.GetSIPRegistrations(context.Background(), p)
				if err != nil || len(page.Result) != 20 {
					b.Fatalf("%v, %d rows", err, len(page.Result))
				}
			}
		})
	}
}

// BenchmarkListAll walks every registration of an account of 100,000 as voxsip list does
// (AllSIPRegistrations, pages of api.DefaultPageSize).
func BenchmarkListAll(b *testing.B) {
	const n = 100_000
	c := scaled(b, n)
	b.ResetTimer()
	for b.Loop() {
		seen := 0
		for _, err := range c.AllSIPRegistrations(context.Background(), &api.GetSIPRegistrationsParams{}) {
			if err != nil {
				b.Fatal(err)
			}
			seen++
		}
		if seen != n {
			b.Fatalf("listed %d, want %d", seen, n)
		}
	}
}
