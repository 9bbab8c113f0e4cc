package apitest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

func sprintf(format string, v any) string { return fmt.Sprintf(format, v) }
func contains(s, sub string) bool         { return strings.Contains(s, sub) }

// start starts a server that the test closes when it ends.
func start(t *testing.T, opts ...apitest.Option) *apitest.Server {
	t.Helper()
	srv := apitest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// fixedClock is a clock that moves only when told.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }

var epoch = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func newClient(t *testing.T, srv *apitest.Server, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.NewClient(append([]api.Option{api.WithBaseURL(srv.URL), api.WithCredentials(srv.Credentials()),
		api.WithRetryPolicy(api.NoRetries()), api.WithHTTPClient(srv.Client())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
