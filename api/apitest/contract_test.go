package apitest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/api/apitest"
	"github.com/voxsip/voxsip/auth"
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/params"
	"github.com/voxsip/voxsip/internal/rules"
)

// sampleParams builds valid parameters for op from the spec alone (so that an operation added
// to openapi.yaml is covered with no change here): the required ones, one of each require-any
// rule, and with full every optional one too, except the later alternatives of each at-most-one
// rule. Registration ids are 1 (the tests seed it); "1" also matches the patterns of the list
// filters.
func sampleParams(t *testing.T, op *params.Op, full bool) url.Values {
	t.Helper()
	later := map[string]bool{}
	for _, r := range op.Rules {
		for _, name := range r.AtMostOne[min(1, len(r.AtMostOne)):] {
			later[name] = true
		}
	}
	v := url.Values{}
	value := func(f params.Field) string {
		switch f.Type {
		case "integer":
			return strconv.FormatInt(max(1, f.Min), 10)
		case "boolean":
			return "true"
		case "number":
			return "1.5"
		}
		if len(f.Enum) > 0 {
			return f.Enum[0]
		}
		if f.Pattern != "" {
			return "1"
		}
		if f.Secret {
			return "s3cret p&ss"
		}
		return "value of " + f.Name
	}
	for _, f := range op.Fields {
		if f.Required || (full && !later[f.Name]) {
			v.Set(f.Name, value(f))
		}
	}
	for _, r := range op.Rules {
		if len(r.IfAny) == 0 && len(r.RequireAny) > 0 && !slices.ContainsFunc(r.RequireAny, v.Has) {
			f, _ := op.Lookup(r.RequireAny[0])
			v.Set(f.Name, value(f))
		}
	}
	p, err := op.FromValues(v)
	if err != nil {
		t.Fatalf("%s: sample parameters %v: %v", op.ID, v, err)
	}
	if vs := rules.Check(op, p); vs != nil {
		t.Fatalf("%s: sample parameters %v break rules: %v", op.ID, v, vs)
	}
	return v
}

// capture records the body of every response a client receives.
type capture struct {
	rt     http.RoundTripper
	bodies [][]byte
}

func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.bodies = append(c.bodies, body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, err
}

// callClient calls the api.Client method named after op's generated method with p, by
// reflection, so that every operation goes through the library without a hand list.
func callClient(t *testing.T, c *api.Client, op *params.Op, p any) error {
	t.Helper()
	m := reflect.ValueOf(c).MethodByName(op.GoName)
	if !m.IsValid() {
		t.Fatalf("api.Client has no method %s for %s", op.GoName, op.ID)
	}
	out := m.Call([]reflect.Value{reflect.ValueOf(context.Background()), reflect.ValueOf(p)})
	err, _ := out[len(out)-1].Interface().(error)
	return err
}

// outcome is everything observable about one call: the answer and what it did.
type outcome struct {
	status int
	body   string
	state  []generated.SIPRegistration
	params any
}

// contractServer starts a server in a known state on a fixed clock.
func contractServer(t *testing.T, clock *fixedClock) *apitest.Server {
	return start(t, apitest.WithClock(clock.now), apitest.WithRegistrations(
		generated.SIPRegistration{SIPRegistrationID: 1, SIPUsername: "alice", Proxy: "value of proxy", IsPersistent: true},
		generated.SIPRegistration{SIPRegistrationID: 2, SIPUsername: "bob", Proxy: "sip.example.org",
			UserName: api.Ptr("value of user_name"), ApplicationName: api.Ptr("value of application_name")},
	))
}

// TestEveryShapeAnswersLikeTheClient drives every operation of the spec, in every wire shape an
// official client uses, with minimal and with full parameters, and wants the same answer, the
// same state and the same decoded parameters as when the Go client sends it.
func TestEveryShapeAnswersLikeTheClient(t *testing.T) {
	clock := &fixedClock{t: epoch}
	if len(params.All()) != len(generated.Operations) || len(params.All()) == 0 {
		t.Fatalf("%d operations in params, %d in the spec", len(params.All()), len(generated.Operations))
	}
	for _, op := range params.All() {
		for _, full := range []bool{false, true} {
			vals := sampleParams(t, op, full)
			name := op.ID + "/minimal"
			if full {
				name = op.ID + "/full"
			}
			t.Run(name, func(t *testing.T) {
				// Through the library.
				srv := contractServer(t, clock)
				cp := &capture{rt: srv.Client().Transport}
				c := newClient(t, srv, api.WithHTTPClient(&http.Client{Transport: cp}),
					api.WithAuthOptions(auth.WithClock(clock.now)))
				p, err := op.FromValues(vals)
				if err != nil {
					t.Fatal(err)
				}
				if err := callClient(t, c, op, p); err != nil {
					t.Logf("the client's call fails (%v): the raw shapes must fail alike", err)
				}
				if len(cp.bodies) != 1 || len(srv.Requests()) != 1 {
					t.Fatalf("the client sent %d requests, the fake accepted %d; want 1", len(cp.bodies), len(srv.Requests()))
				}
				want := outcome{http.StatusOK, string(cp.bodies[0]), srv.Registrations(), srv.Requests()[0].Params}
				if code, msg := apiErr(cp.bodies[0]); code != 0 && !full {
					t.Errorf("minimal parameters refused: %d %s", code, msg)
				}

				for _, sh := range shapes {
					t.Run(sh.name, func(t *testing.T) {
						srv := contractServer(t, clock)
						path, query, body, ct := sh.build(op.ID, vals)
						call := rawCall{path: path, query: query, body: body, contentType: ct,
							auth: "Bearer " + token(t, srv, srv.AccountID(), clock.now())}
						status, _, got := call.do(t, srv)
						reqs := srv.Requests()
						if len(reqs) != 1 {
							t.Fatalf("HTTP %d %s: the fake accepted %d requests, want 1", status, got, len(reqs))
						}
						have := outcome{status, string(got), srv.Registrations(), reqs[0].Params}
						if !reflect.DeepEqual(have, want) {
							t.Errorf("answer differs from the Go client's:\n got  HTTP %d %s\n      state %+v\n      params %v\n want HTTP %d %s\n      state %+v\n      params %v",
								have.status, have.body, have.state, apitest.Request{Operation: op.ID, Params: have.params},
								want.status, want.body, want.state, apitest.Request{Operation: op.ID, Params: want.params})
						}
					})
				}
			})
		}
	}
}
