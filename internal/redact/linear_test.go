package redact_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/voxsip/voxsip/internal/redact"
)

// bodyCap is the largest body the api package masks (api.MaxResponseBytes, not imported here).
const bodyCap = 1 << 20

// selfSimilar are a hostile server's bodies against a password of 4 KiB of one character: each
// would take body × password comparisons (some 4·10⁹) to a matcher that restarts at every
// position.
var selfSimilar = []struct {
	name, secret, text string
	want               string // the masked text, "" for "suspect"
}{
	{"repeated echo", strings.Repeat("a", 4096), strings.Repeat("a", bodyCap), "***"},
	{"near miss", strings.Repeat("a", 4095) + "b", strings.Repeat("a", bodyCap), ""},
	{"escaped near miss", strings.Repeat("a", 4095) + "b", strings.Repeat("%2561", bodyCap/5), ""},
	{"period two", strings.Repeat("ab", 2048), strings.Repeat("ab", bodyCap/2), "***"},
	// Runes that decompose (see form): a composed password echoed decomposed, a Hangul one, and
	// the rune with the longest decomposition (U+FDFA, 18 runes for 3 bytes).
	{"decomposed echo", strings.Repeat("ä", 2048), strings.Repeat("a\u0308", bodyCap/3), "***"},
	{"Hangul echo", strings.Repeat("한", 1365), strings.Repeat("\u1112\u1161\u11ab", bodyCap/9), "***"},
	{"longest decomposition", strings.Repeat("\ufdfa", 1365) + "x", strings.Repeat("\ufdfa", bodyCap/3), ""},
	// A secret of invisible runes, compared with them kept (see prepare).
	{"invisible echo", strings.Repeat("\u200b", 1365), strings.Repeat("\u200b", bodyCap/3), "***"},
	{"invisible near miss", strings.Repeat("\u200b", 1365) + "\u200c", strings.Repeat("\u200b", bodyCap/3), ""},
	{"escaped longest decomposition", strings.Repeat("\ufdfa", 1365) + "x", strings.Repeat("%EF%B7%BA", bodyCap/9), ""},
}

// Masking is linear in the text: the steps it takes and the memory it allocates stay within a
// small multiple of the text's and the secret's length, for the self-similar passwords and
// bodies that make a restarting matcher quadratic (and a span per position, 10⁶ of them, heavy).
func TestMaskIsLinear(t *testing.T) {
	for _, c := range selfSimilar {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got, suspect, steps := redact.MaskSteps(c.text, []string{c.secret}, nil, "***")
			runtime.ReadMemStats(&after)
			if budget := 64 * (len(c.text) + len(c.secret)); steps > budget {
				t.Errorf("%d steps for a %d-byte text and a %d-byte secret, want at most %d", steps, len(c.text), len(c.secret), budget)
			}
			// Each layer holds a unit (12 bytes) per rune; a span per position would add more.
			if bytes, budget := after.TotalAlloc-before.TotalAlloc, uint64(64*len(c.text)); bytes > budget {
				t.Errorf("%d bytes allocated for a %d-byte text, want at most %d", bytes, len(c.text), budget)
			}
			if c.want == "" && !suspect {
				t.Errorf("a text of pieces of the secret is not suspect")
			}
			if c.want != "" && (got != c.want || suspect) {
				t.Errorf("masked to %.40q…, suspect %v; want %q", got, suspect, c.want)
			}
		})
	}
}

// BenchmarkMaskSelfSimilar masks a body of the largest size the client reads, holding only the
// character a 4 KiB password repeats.
func BenchmarkMaskSelfSimilar(b *testing.B) {
	for _, c := range selfSimilar {
		b.Run(c.name, func(b *testing.B) {
			m := redact.New([]string{c.secret}, nil, "***")
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				m.Mask(c.text)
			}
		})
	}
}
