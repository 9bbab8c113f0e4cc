package main

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/voxsip/voxsip/api"
)

// A registration's identity, as create batches (the duplicate check) and apply (which entry is
// which registration) compare it: its sip_username exactly (the user part of a SIP URI is
// case-sensitive) and its proxy's host as DNS compares names: ASCII letters in any case, and a
// trailing dot (the root) or none. SIP.Example.COM, sip.example.com. and sip.example.com are one
// host; a port is kept as given.

// identity is k with its proxy normalised (see normProxy): two keys with equal identities name
// one registration.
func (k regKey) identity() regKey { return regKey{k.SIPUsername, normProxy(k.Proxy)} }

// regDigest is a fixed-size digest of a registration's identity: 16 bytes of a SHA-256 of it.
// A create batch keeps one per line rather than the strings. Two identities share a digest
// with a chance of about n²/2¹²⁹ in n lines (below 10⁻¹⁹ for 4·10⁹ lines), so a line is never
// refused as a duplicate in practice when it is not one, and no second copy of the strings is
// needed to rule it out.
type regDigest [16]byte

// digest is the regDigest of k's identity.
func (k regKey) digest() regDigest {
	id := k.identity()
	sum := sha256.Sum256(appendField(appendField([]byte("voxsip registration 1"), id.SIPUsername), id.Proxy))
	return regDigest(sum[:16])
}

// normProxy lower-cases the ASCII letters of proxy's host and drops one trailing dot from it;
// a port (":5060", after a host or a bracketed IPv6 address) is kept as given. Letters beyond
// ASCII are left as they are (an internationalised name is compared as given).
func normProxy(proxy string) string {
	user := "" // a SIP URI's user part (sip:alice@host) is case-sensitive: kept as given
	if i := strings.LastIndexByte(proxy, '@'); i >= 0 {
		user, proxy = proxy[:i+1], proxy[i+1:]
	}
	host, port := proxy, ""
	if i := strings.LastIndexByte(proxy, ':'); i >= 0 && isDigits(proxy[i+1:]) &&
		(strings.Count(proxy, ":") == 1 || strings.HasPrefix(proxy, "[") && strings.HasSuffix(proxy[:i], "]")) {
		host, port = proxy[:i], proxy[i:]
	}
	host = strings.TrimSuffix(host, ".")
	host = strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, host)
	return user + host + port
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// checkProxy refuses a proxy that holds a space or a character that does not show (a control
// or format character such as U+200B, a line or paragraph separator, one not assigned): no SIP
// host has one, and such a proxy would look like, and not be, one given before.
func checkProxy(op, proxy string) error {
	for i, r := range proxy {
		if r == ' ' || !unicode.IsPrint(r) || r == utf8.RuneError {
			return &api.ValidationError{Op: op, Violations: []api.Violation{{Params: []string{"proxy"},
				Reason: fmt.Sprintf("%U at byte %d is a space or a character that does not show: a SIP host has none; remove it", r, i)}}}
		}
	}
	return nil
}
