package apitest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// DefaultShutdownTimeout is how long Serve lets in-flight requests finish once ctx is done.
const DefaultShutdownTimeout = 5 * time.Second

// ServeConfig configures [Serve], the fake as a long-running process (voxsip serve).
type ServeConfig struct {
	// Addr is the address to listen on, e.g. "127.0.0.1:8080" (port 0 picks a free one).
	Addr string
	// CredentialsFile is where the credentials the fake accepts are written (mode 0600). A file
	// or symbolic link already there is replaced (a link's target is left alone).
	CredentialsFile string
	// Log, if not nil, receives one line per accepted request (secrets masked).
	Log io.Writer
	// TLSCertFile, if set, makes the fake serve HTTPS with a fresh self-signed certificate for
	// 127.0.0.1, ::1 and localhost, written to this file (PEM; replacing a file or symbolic link
	// there, as CredentialsFile) for clients to trust:
	// curl --cacert FILE, SSL_CERT_FILE=FILE for Go programs on Linux (voxsip included),
	// REQUESTS_CA_BUNDLE=FILE for Python requests, NODE_EXTRA_CA_CERTS=FILE for Node.js.
	TLSCertFile string
	// SeedFile, if set, is a JSON [Seed] to start from (see [LoadSeed]).
	SeedFile string
	// LogSize is how many accepted requests the admin endpoint keeps (DefaultLogSize when 0;
	// negative keeps none).
	LogSize int
	// ShutdownTimeout bounds the graceful shutdown (DefaultShutdownTimeout when 0).
	ShutdownTimeout time.Duration
	// Strict refuses unknown parameters with code 101 (see WithStrict).
	Strict bool
	// Roles, if not empty, are the roles of the key of the credentials (see WithRole).
	Roles []string
	// ReadTimeout bounds how long a request may take to arrive (DefaultReadTimeout when 0).
	ReadTimeout time.Duration
}

// serveOnShutdown, when set (by tests), runs once Serve's graceful shutdown has begun.
var serveOnShutdown func()

// Serve runs a fake Management API until ctx is done, then shuts it down gracefully: in-flight
// requests get ShutdownTimeout to finish. It writes the credentials file (and the certificate
// with TLSCertFile), then prints on out the base URL as the first line, followed by lines naming
// the credentials file, the admin endpoint and the certificate.
func Serve(ctx context.Context, cfg ServeConfig, out io.Writer) error {
	opts, err := cfg.options()
	if err != nil {
		return err
	}
	srv, err := Listen(cfg.Addr, opts...)
	if err != nil {
		return err
	}
	if serveOnShutdown != nil {
		srv.http.RegisterOnShutdown(serveOnShutdown)
	}
	if err := writeReplacing(cfg.CredentialsFile, srv.CredentialsJSON(), 0o600); err != nil {
		srv.Close()
		return fmt.Errorf("apitest: writing credentials: %w", err)
	}
	if cfg.TLSCertFile != "" {
		if err := writeReplacing(cfg.TLSCertFile, srv.CertificatePEM(), 0o644); err != nil {
			srv.Close()
			return fmt.Errorf("apitest: writing the certificate: %w", err)
		}
	}
	fmt.Fprintln(out, srv.URL)
	fmt.Fprintf(out, "credentials: %s\n", cfg.CredentialsFile)
	fmt.Fprintf(out, "admin: %s\n", srv.AdminURL())
	if cfg.TLSCertFile != "" {
		fmt.Fprintf(out, "certificate: %s\n", cfg.TLSCertFile)
	}
	<-ctx.Done()
	timeout := cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	srv.Shutdown(sctx) // cut-off requests are the clients' business, not an error of Serve
	return nil
}

// options turns the configuration into the Server's options.
func (cfg ServeConfig) options() ([]Option, error) {
	var opts []Option
	if cfg.Log != nil {
		opts = append(opts, OnRequest(func(r Request) { fmt.Fprintf(cfg.Log, "accepted: %s\n", r) }))
	}
	if cfg.SeedFile != "" {
		sd, err := LoadSeed(cfg.SeedFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, WithSeed(sd))
	}
	switch {
	case cfg.LogSize > 0:
		opts = append(opts, WithLogSize(cfg.LogSize))
	case cfg.LogSize < 0:
		opts = append(opts, WithLogSize(0))
	}
	if cfg.TLSCertFile != "" {
		opts = append(opts, WithTLS())
	}
	if cfg.Strict {
		opts = append(opts, WithStrict())
	}
	if len(cfg.Roles) > 0 {
		opts = append(opts, WithRole(cfg.Roles...))
	}
	if cfg.ReadTimeout > 0 {
		opts = append(opts, WithReadTimeout(cfg.ReadTimeout))
	}
	return opts, nil
}

// writeReplacing writes data to a new file with mode perm beside path and renames it over path:
// a symbolic link at path is replaced, never followed (its target is left alone), an existing
// file's wider mode is not kept (os.WriteFile keeps it), and a reader never sees half a file.
func writeReplacing(path string, data []byte, perm os.FileMode) error {
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// selfSignedCert makes a certificate for the loopback names, valid for a year from now (real
// time: clients check it against their own clocks). It is its own CA, so that trusting the PEM
// is enough.
func selfSignedCert(now time.Time) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "voxsip apitest (localhost)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certPEM, nil
}
