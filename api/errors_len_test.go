package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
)

// A server's text in an error line is cut: a hostile server's message or Location of almost the
// body cap is not a line of that size in a log. The field keeps it all.
func TestErrorLinesCutTheServersText(t *testing.T) {
	long := strings.Repeat("ab\n", 100_000)
	c, srv, _ := setup(t, api.WithRetryPolicy(api.NoRetries()))
	srv.Enqueue(apitest.Error(101, long), apitest.Redirect(307, "https://elsewhere.example/"+strings.Repeat("x", 100_000)))
	p := &api.DeleteSIPRegistrationParams{SIPRegistrationID: 1}
	err := c.DeleteSIPRegistration(context.Background(), p)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Message != long {
		t.Fatalf("%.80v, want an *api.Error with the whole message", err)
	}
	checkLine(t, err.Error())
	err = c.DeleteSIPRegistration(context.Background(), p)
	var re *api.RedirectError
	if !errors.As(err, &re) || len(re.Location) < 100_000 {
		t.Fatalf("%.80v, want a *api.RedirectError with the whole Location", err)
	}
	checkLine(t, err.Error())
}

func checkLine(t *testing.T, msg string) {
	t.Helper()
	if len(msg) > 700 || strings.Contains(msg, "\n") || !strings.HasSuffix(strings.TrimSuffix(msg, "; check the base URL"), "…") ||
		!strings.Contains(msg, `ab\x0aab`) && !strings.Contains(msg, "xxxx") {
		t.Errorf("an error line of %d bytes: %.100q…%q", len(msg), msg, msg[max(0, len(msg)-60):])
	}
}
