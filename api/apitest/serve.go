package apitest

import (
	"context"
	"fmt"
	"io"
	"os"
)

// ServeConfig configures [Serve], the fake as a long-running process (voxsip serve).
type ServeConfig struct {
	// Addr is the address to listen on, e.g. "127.0.0.1:8080" (port 0 picks a free one).
	Addr string
	// CredentialsFile is where the credentials the fake accepts are written (mode 0600).
	CredentialsFile string
	// Log, if not nil, receives one line per accepted request (secrets masked).
	Log io.Writer
}

// Serve runs a fake Management API until ctx is done, then shuts it down. It writes the
// credentials file, then prints the base URL (one line) on out.
func Serve(ctx context.Context, cfg ServeConfig, out io.Writer) error {
	var opts []Option
	if cfg.Log != nil {
		opts = append(opts, OnRequest(func(r Request) { fmt.Fprintf(cfg.Log, "accepted: %s\n", r) }))
	}
	srv, err := Listen(cfg.Addr, opts...)
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := os.WriteFile(cfg.CredentialsFile, srv.CredentialsJSON(), 0o600); err != nil {
		return fmt.Errorf("apitest: writing credentials: %w", err)
	}
	fmt.Fprintln(out, srv.URL)
	<-ctx.Done()
	return nil
}
