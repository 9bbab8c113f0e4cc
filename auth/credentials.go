package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"strings"

	"github.com/voxsip/voxsip/internal/jsonerr"
)

// EnvCredentials is the environment variable that holds the path of credentials.json, as in
// Voximplant's official clients.
const EnvCredentials = "VOXIMPLANT_CREDENTIALS"

// ErrNoCredentialsEnv is returned by [CredentialsFromEnv] when [EnvCredentials] is unset or empty.
var ErrNoCredentialsEnv = errors.New("voxsip: " + EnvCredentials + " is not set (want the path of a service account's credentials.json)")

// Credentials are a Voximplant service account's credentials: the account, the key's id and the
// RSA private key that signs tokens.
//
// The private key is kept unexported and never printed: String, GoString and every fmt verb
// show the account and key id only. A Credentials is immutable after parsing and safe for
// concurrent use.
type Credentials struct {
	// AccountEmail is the account's e-mail address, informational only.
	AccountEmail string
	// AccountID is the account the key belongs to; tokens carry it as iss.
	AccountID int64
	// KeyID identifies the key; tokens carry it as the kid header.
	KeyID string

	key *rsa.PrivateKey
}

// PublicKey returns the public half of the signing key, for verifying tokens.
func (c *Credentials) PublicKey() *rsa.PublicKey { return &c.key.PublicKey }

// String describes the credentials without the private key.
func (c *Credentials) String() string {
	if c == nil {
		return "auth.Credentials(nil)"
	}
	return fmt.Sprintf("auth.Credentials{AccountID: %d, KeyID: %q, AccountEmail: %q, private key: ***}",
		c.AccountID, c.KeyID, c.AccountEmail)
}

// GoString is String, so that %#v prints no key either.
func (c *Credentials) GoString() string { return c.String() }

// CredentialsError reports a credentials file that cannot be used. Field names the JSON field
// at fault ("" when the problem is the document as a whole). The error never contains key
// material or other values from the file.
type CredentialsError struct {
	// Source is where the credentials came from: a file path, or "" for in-memory bytes.
	Source string
	// Field is the JSON field at fault, e.g. "private_key", or "".
	Field string
	// Problem says what is wrong and, where it helps, what to do.
	Problem string
	// Err is the underlying cause, if any.
	Err error
}

// Error names the source, the field and the problem on one line.
func (e *CredentialsError) Error() string {
	var b strings.Builder
	b.WriteString("voxsip: credentials")
	if e.Source != "" {
		b.WriteString(" in ")
		b.WriteString(e.Source)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *CredentialsError) Unwrap() error { return e.Err }

// credentialsFile is credentials.json as the control panel saves it; Result holds the same
// object when the user saved the whole CreateKey response instead.
type credentialsFile struct {
	AccountEmail string          `json:"account_email"`
	AccountID    json.RawMessage `json:"account_id"`
	KeyID        string          `json:"key_id"`
	PrivateKey   string          `json:"private_key"`
	Result       json.RawMessage `json:"result"`
}

// MaxCredentialsBytes is the largest credentials document accepted, in bytes. A credentials.json
// with a 4096-bit key is under 4 KiB, so anything larger is the wrong file; the cap keeps
// [LoadCredentials] from reading a device or a huge file into memory.
const MaxCredentialsBytes = 64 << 10

// ParseCredentials parses credentials.json: either the flat object the control panel saves
// ({"account_id": …, "key_id": …, "private_key": …}) or the CreateKey response that wraps it
// in {"result": {…}}. The key may be PKCS#8 ("BEGIN PRIVATE KEY") or PKCS#1
// ("BEGIN RSA PRIVATE KEY"). A leading UTF-8 byte order mark, as Notepad writes, is skipped.
// Data over [MaxCredentialsBytes] is refused. Errors are *[CredentialsError].
func ParseCredentials(data []byte) (*Credentials, error) {
	return parseCredentials("", data)
}

// LoadCredentials reads and parses the credentials file at path; see [ParseCredentials]. It
// reads at most [MaxCredentialsBytes] (and one byte more, to tell that the file is larger), so
// a wrong path such as /dev/zero or a disk image fails at once. A directory, or a file over the
// cap, is a *[CredentialsError] naming path; a file that cannot be opened or read is reported
// with its *[os.PathError] wrapped.
//
// path may be a pipe: a named pipe (mkfifo) or a shell's process substitution, such as
// <(vault read …), which the program sees as /dev/fd/N. It is read until its writer closes it.
// As with cat, opening a named pipe that no process writes to waits until one does, and a
// writer that never closes its end makes the read wait: a caller that must not wait reads the
// pipe itself, with its own deadline, and passes the bytes to [ParseCredentials]. "-" is a file of that name, not
// standard input: to read standard input, read it and call [ParseCredentials].
func LoadCredentials(path string) (*Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		if path == "-" && errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("voxsip: reading credentials: %w (LoadCredentials reads a file; "+
				"for standard input, read it and call auth.ParseCredentials)", err)
		}
		return nil, fmt.Errorf("voxsip: reading credentials: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, &CredentialsError{Source: path, Problem: "is a directory (want the path of the credentials.json file itself)"}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxCredentialsBytes+1))
	if err != nil {
		return nil, fmt.Errorf("voxsip: reading credentials: %w", err)
	}
	return parseCredentials(path, data)
}

// CredentialsFromEnv loads the credentials file named by the VOXIMPLANT_CREDENTIALS environment
// variable. It returns [ErrNoCredentialsEnv] when the variable is unset or empty.
func CredentialsFromEnv() (*Credentials, error) {
	path := os.Getenv(EnvCredentials)
	if path == "" {
		return nil, ErrNoCredentialsEnv
	}
	return LoadCredentials(path)
}

func parseCredentials(source string, data []byte) (*Credentials, error) {
	fail := func(field, problem string, err error) (*Credentials, error) {
		return nil, &CredentialsError{Source: source, Field: field, Problem: problem, Err: err}
	}
	if len(data) > MaxCredentialsBytes {
		what := "file"
		if source == "" {
			what = "document"
		}
		return fail("", fmt.Sprintf("%s is larger than %d KiB; a credentials.json is about 2 KiB: is this the right file?",
			what, MaxCredentialsBytes>>10), nil)
	}
	// Notepad and other Windows editors start a UTF-8 file with a byte order mark.
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	var f credentialsFile
	if err := decodeJSON(data, &f); err != nil {
		return fail("", err.Error(), nil)
	}
	if len(f.Result) > 0 && f.KeyID == "" && f.PrivateKey == "" && len(f.AccountID) == 0 {
		var inner credentialsFile
		if err := decodeJSON(f.Result, &inner); err != nil {
			return fail("result", err.Error(), nil)
		}
		f = inner
	}

	accountID, problem := parseAccountID(f.AccountID)
	if problem != "" {
		return fail("account_id", problem, nil)
	}
	if strings.TrimSpace(f.KeyID) == "" {
		return fail("key_id", "missing (want the key's id, a UUID)", nil)
	}
	key, problem, err := parsePrivateKey(f.PrivateKey)
	if problem != "" {
		return fail("private_key", problem, err)
	}
	return &Credentials{AccountEmail: f.AccountEmail, AccountID: accountID, KeyID: f.KeyID, key: key}, nil
}

// decodeJSON decodes a JSON object, rewording errors so that they carry no input bytes
// (encoding/json quotes the offending character, which could be part of a key).
func decodeJSON(data []byte, v *credentialsFile) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return errors.New("empty document (want a JSON object)")
	}
	if data[0] != '{' {
		return errors.New("not a JSON object")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errors.New(jsonerr.Describe(err))
	}
	return nil
}

// parseAccountID accepts a JSON number or a string of digits.
func parseAccountID(raw json.RawMessage) (int64, string) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, "missing (want the numeric account id)"
	}
	s := string(raw)
	if unq, err := strconv.Unquote(s); err == nil {
		s = unq
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, "not an integer"
	}
	if id <= 0 {
		return 0, "must be a positive integer"
	}
	return id, ""
}

// parsePrivateKey returns the RSA key in pemText, or a problem description (and cause) that
// names the issue without quoting any of the key.
func parsePrivateKey(pemText string) (*rsa.PrivateKey, string, error) {
	if strings.TrimSpace(pemText) == "" {
		return nil, "missing (want a PEM-encoded RSA private key)", nil
	}
	if !strings.Contains(pemText, "\n") && strings.Contains(pemText, `\n`) {
		return nil, `its line breaks arrived as literal \n sequences (the JSON was escaped twice); ` +
			"use the file exactly as the control panel saved it", nil
	}
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, "not PEM-encoded (want -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)", nil
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
		return nil, "the key is encrypted with a passphrase; save it unencrypted (as the control panel does)", nil
	}
	switch block.Type {
	case "PRIVATE KEY", "RSA PRIVATE KEY":
	case "EC PRIVATE KEY":
		return nil, "is an EC key; Voximplant service accounts use RSA keys", nil
	case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
		return nil, fmt.Sprintf("holds a %s, not a private key", strings.ToLower(block.Type)), nil
	default:
		return nil, fmt.Sprintf("unsupported PEM block type %q (want PRIVATE KEY or RSA PRIVATE KEY)", block.Type), nil
	}

	// Accept PKCS#8 then PKCS#1 whatever the label says: files in the wild are mislabelled.
	var key any
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		k1, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			// x509 checks that an RSA key's numbers fit together and reports a key that does
			// not as unparsable; tell that apart, since a sound structure means a damaged key.
			if err := inconsistentRSAKey(block.Bytes); err != nil {
				return nil, inconsistentKey, err
			}
			// x509's errors quote the ASN.1 parser's view of the bytes (tags, lengths, offsets
			// read from the key material): name the problem in fixed words instead.
			format := "PKCS#8"
			if block.Type == "RSA PRIVATE KEY" {
				format = "PKCS#1"
			}
			return nil, "cannot parse the " + format + " key: " + damagedKey, nil
		}
		key = k1
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if err := k.Validate(); err != nil {
			return nil, inconsistentKey, err
		}
		return k, "", nil
	case *ecdsa.PrivateKey:
		return nil, "is an ECDSA key; Voximplant service accounts use RSA keys", nil
	case ed25519.PrivateKey:
		return nil, "is an Ed25519 key; Voximplant service accounts use RSA keys", nil
	default:
		return nil, fmt.Sprintf("is a %T key; Voximplant service accounts use RSA keys", key), nil
	}
}

// damagedKey is the problem of a key whose bytes do not parse.
const damagedKey = "the file is damaged (a line changed, missing or out of order) or holds no key; " +
	"use it exactly as the control panel saved it"

// inconsistentKey is the problem of an RSA key whose numbers do not fit together.
const inconsistentKey = "the RSA key is inconsistent (its numbers do not fit together, so the file was damaged or " +
	"edited); use the file exactly as the control panel saved it, or create a new key"

// pkcs1Key is the ASN.1 structure of a PKCS#1 RSAPrivateKey (RFC 8017, A.1.2).
type pkcs1Key struct {
	Version          int
	N                *big.Int
	E                int
	D, P, Q          *big.Int
	Dp, Dq, Qinv     *big.Int
	AdditionalPrimes []asn1.RawValue `asn1:"optional,omitempty"`
}

// pkcs8Key is the ASN.1 structure of a PKCS#8 PrivateKeyInfo (RFC 5208), attributes omitted.
type pkcs8Key struct {
	Version    int
	Algo       pkix.AlgorithmIdentifier
	PrivateKey []byte
}

var oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

// maxCheckedModulusBits bounds the keys inconsistentRSAKey checks, so that a huge number in a
// malformed file cannot make the check slow. Voximplant keys are 2048 bits.
const maxCheckedModulusBits = 16384

// inconsistentRSAKey returns the error of [rsa.PrivateKey.Validate] when der is a two-prime
// RSA private key, bare PKCS#1 or inside PKCS#8, whose ASN.1 structure is sound but whose
// numbers do not fit together. It returns nil for a consistent key and for anything else.
// Validate's errors are fixed texts that quote no number.
func inconsistentRSAKey(der []byte) error {
	var p8 pkcs8Key
	if rest, err := asn1.Unmarshal(der, &p8); err == nil && len(rest) == 0 {
		if !p8.Algo.Algorithm.Equal(oidRSAEncryption) {
			return nil
		}
		der = p8.PrivateKey
	}
	var k pkcs1Key
	if rest, err := asn1.Unmarshal(der, &k); err != nil || len(rest) != 0 || len(k.AdditionalPrimes) > 0 {
		return nil
	}
	for _, n := range []*big.Int{k.N, k.D, k.P, k.Q, k.Dp, k.Dq, k.Qinv} {
		if n.Sign() <= 0 {
			return nil // x509's own message ("zero or negative value") says it well
		}
	}
	if k.N.BitLen() > maxCheckedModulusBits {
		return nil
	}
	key := &rsa.PrivateKey{
		PublicKey:   rsa.PublicKey{N: k.N, E: k.E},
		D:           k.D,
		Primes:      []*big.Int{k.P, k.Q},
		Precomputed: rsa.PrecomputedValues{Dp: k.Dp, Dq: k.Dq, Qinv: k.Qinv},
	}
	return key.Validate()
}
