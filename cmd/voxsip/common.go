package main

import (
	"flag"
	"os"
	"time"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/auth"
)

// envBaseURL overrides the default API address, e.g. to point at voxsip serve.
const envBaseURL = "VOXIMPLANT_BASE_URL"

// commonFlags are the flags of every command that talks to the API.
type commonFlags struct {
	credentials string
	baseURL     string
	timeout     time.Duration
}

func (cf *commonFlags) register(fs *flag.FlagSet) {
	cf.registerCredentials(fs)
	base := os.Getenv(envBaseURL)
	if base == "" {
		base = api.DefaultBaseURL
	}
	fs.StringVar(&cf.baseURL, "base-url", base, "Management API base `URL`; $"+envBaseURL+" or the real API when not given")
	fs.DurationVar(&cf.timeout, "timeout", 30*time.Second, "give up after `D` (all attempts included)")
}

// registerCredentials registers --credentials alone, for commands that do not call the API.
func (cf *commonFlags) registerCredentials(fs *flag.FlagSet) {
	fs.StringVar(&cf.credentials, "credentials", os.Getenv(auth.EnvCredentials),
		"service account credentials `FILE`; $"+auth.EnvCredentials+" when not given")
}

// loadCredentials reads --credentials, with an error that says how to give them.
func (cf *commonFlags) loadCredentials() (*auth.Credentials, error) {
	if cf.credentials == "" {
		return nil, usagef("no credentials: pass --credentials FILE or set %s", auth.EnvCredentials)
	}
	return auth.LoadCredentials(cf.credentials)
}

// client builds the API client the command uses.
func (cf *commonFlags) client(opts ...api.Option) (*api.Client, error) {
	creds, err := cf.loadCredentials()
	if err != nil {
		return nil, err
	}
	return api.NewClient(append([]api.Option{api.WithCredentials(creds), api.WithBaseURL(cf.baseURL)}, opts...)...)
}
