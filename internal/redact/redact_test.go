package redact_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/voxsip/voxsip/internal/printable"
	"github.com/voxsip/voxsip/internal/redact"
	"github.com/voxsip/voxsip/internal/testutil"
)

var secrets = []struct{ name, secret, fragment string }{
	{"specials", "S3cr3t-P@ss&word=1% \"Zqx9\" <Xyw7>/ü'~!*()+", "Zqx9"},
	{"emoji", "pässword😀Zqx9😀end", "Zqx9"},
	{"invalid UTF-8", "pw\xffsecretXYZ", "secretxyz"},
	// Letters that upper-casing and lower-casing do not bring back: ſ (to S), the Kelvin sign (to
	// k), final ς (to Σ), dotless ı (to I).
	{"case orbits", "ſecret\u212aelvinςigmaıd", "elvin"},
	// Combining marks typed out of canonical order: a normalising server echoes them reordered.
	{"marks out of order", "pass\u0301\u0323word-Zqx9", "Zqx9"},
	// A secret in decomposed form (NFD), one in compatibility characters (fullwidth, a
	// ligature), Hangul syllables.
	{"decomposed", "pa\u0308sswo\u0308rd-Zqx9-U\u0308", "zqx9"},
	{"compatibility", "\uff33\uff45\uff43-Zqx9-\ufb01\u2460", "zqx9"},
	{"Hangul", "비밀번호-Zqx9-한글", "zqx9"},
}

func TestMaskWhateverTheEncoding(t *testing.T) {
	for _, s := range secrets {
		for name, enc := range testutil.Echoes {
			t.Run(s.name+"/"+name, func(t *testing.T) {
				e := enc(s.secret)
				text := "you sent ?password=" + e + "&x=1 (that is, " + e + ")"
				got, suspect := redact.Mask(text, []string{s.secret}, nil, "***")
				if want := "you sent ?password=***&x=1 (that is, ***)"; got != want {
					t.Errorf("redact.Mask(%q)\n = %q\nwant %q", text, got, want)
				}
				if suspect {
					t.Errorf("a text masked whole is suspect: %q", got)
				}
				if strings.Contains(strings.ToLower(got), strings.ToLower(s.fragment)) {
					t.Errorf("a fragment shows: %q", got)
				}
			})
		}
	}
}

// A part of a token (its header, payload or signature) is masked like any secret; a text that
// shows a long enough piece of a secret is suspect; text with no secret is left alone.
func TestMaskPartsAndPieces(t *testing.T) {
	sig := "c2lnbmF0dXJlU0VOVElORUwxMjM0NTY3ODkw"
	got, suspect := redact.Mask(`{"error":{"msg":"bad signature `+sig+`"}}`, []string{"eyJh.eyJw." + sig, sig}, nil, "***")
	if got != `{"error":{"msg":"bad signature ***"}}` || suspect {
		t.Errorf("signature alone: %q, suspect %v", got, suspect)
	}
	if _, suspect := redact.Mask("you sent S3cr3t-P@ss&wo", []string{"S3cr3t-P@ss&word=1"}, nil, "***"); !suspect {
		t.Error("a cut echo of a secret is not suspect")
	}
	if _, suspect := redact.Mask("you sent %53%33cr3t-P%40s", []string{"S3cr3t-P@ss&word=1"}, nil, "***"); !suspect {
		t.Error("a cut, escaped echo of a secret is not suspect")
	}
	plain := `<html>50% off &amp; more \u0041 %zz &#xZZ; &bogus; 🎉</html>`
	if got, suspect := redact.Mask(plain, []string{"S3cr3t-P@ss&word=1"}, nil, "***"); got != plain || suspect {
		t.Errorf("a text without the secret changed: %q, suspect %v", got, suspect)
	}
}

// Escapes that a match's span ends inside are masked whole, and two echoes side by side are two
// masks.
func TestMaskSpansWholeEscapes(t *testing.T) {
	got, _ := redact.Mask("a%2540b&#x40;cx", []string{"@b@c"}, nil, "*")
	if got != "a*x" {
		t.Errorf("got %q, want %q", got, "a*x")
	}
	got, _ = redact.Mask("pw1pw1", []string{"pw1"}, nil, "*")
	if got != "**" {
		t.Errorf("got %q, want two masks", got)
	}
}

// A piece a secret shares with public text (a parameter name, the request's other values) does
// not make a text suspect there; the secret itself is masked all the same.
func TestPublicPiecesAreNotSuspect(t *testing.T) {
	pw := "password-sip.example.com"
	text := "POST /x?password=password-sip.example.com&proxy=sip.example.com: bad password"
	public := []string{"password", "proxy", "sip.example.com"}
	got, suspect := redact.Mask(text, []string{pw}, public, "***")
	if want := "POST /x?password=***&proxy=sip.example.com: bad password"; got != want || suspect {
		t.Errorf("got %q, suspect %v; want %q, not suspect", got, suspect, want)
	}
	if _, suspect := redact.Mask(text, []string{pw}, nil, "***"); !suspect {
		t.Error("without the public strings, the shared pieces should make the text suspect")
	}
	if _, suspect := redact.Mask("you sent password-sip.exa", []string{pw}, public, "***"); !suspect {
		t.Error("a cut echo reaching past the public pieces is not suspect")
	}
}

// A secret echoed upper-cased as Java, JavaScript or Python upper-case it (ß to SS, ligatures
// to their letters) is masked: Go's per-rune case mapping leaves ß alone.
func TestMaskUpperCasedLikeOtherLanguages(t *testing.T) {
	for secret, echo := range map[string]string{"p@ß€": "P@SS€", "ﬁx!": "FIX!", "Straße": "STRASSE"} {
		if got, _ := redact.Mask("you sent "+echo+".", []string{secret}, nil, "***"); got != "you sent ***." {
			t.Errorf("redact.Mask of %q echoed as %q = %q", secret, echo, got)
		}
	}
}

// A self-similar secret echoed twice back to back is masked whole (its matches overlap, so one
// mask), and not suspect: every piece lies inside the masked span.
func TestMaskSelfSimilarEchoedTwice(t *testing.T) {
	pw := strings.Repeat("a", 20)
	got, suspect := redact.Mask("x"+pw+pw+"y", []string{pw}, nil, "*")
	if got != "x*y" || suspect {
		t.Errorf("got %q, suspect %v; want %q, not suspect", got, suspect, "x*y")
	}
}

// A piece of a secret that runs from a masked echo into public text shows nothing that is not
// public once masked, so the text is not suspect; the same piece running into text that is not
// public is.
func TestPiecesAcrossAMaskAndPublicText(t *testing.T) {
	secret, text := "abcdefghabcdefgh", "abcdefghabcdefghabcdefg"
	if got, suspect := redact.Mask(text, []string{secret}, []string{"abcdefg"}, "*"); got != "*abcdefg" || suspect {
		t.Errorf("with the rest public: %q, suspect %v; want %q, not suspect", got, suspect, "*abcdefg")
	}
	if got, suspect := redact.Mask(text, []string{secret}, []string{"bcdefg"}, "*"); !suspect {
		t.Errorf("with only part of the rest public: %q is not suspect", got)
	}
}

// Every rune that package printable escapes as invisible (not a control character or line
// separator, which show) is left out of redact's comparison: an echo with it between the
// characters of a secret is masked whole. The runes come from printable's own tables and from
// printable.String over every code point, so that the two packages cannot disagree.
func TestMaskIgnoresEveryInvisibleRune(t *testing.T) {
	const secret = "Hunter2Hunter2"
	m := redact.New([]string{secret}, nil, "*")
	n := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			continue
		}
		inTables := unicode.In(r, printable.InvisibleTables...)
		if escaped := printable.String(string(r)) != string(r); escaped != inTables {
			t.Errorf("%U: printable.String escapes it %v, in printable.InvisibleTables %v", r, escaped, inTables)
		}
		if !inTables {
			continue
		}
		n++
		if got, _ := m.Mask("x" + testutil.Interleave(secret, string(r)) + "y"); got != "x*y" {
			t.Errorf("%U between the characters of the secret: masked to %+q, want %q", r, got, "x*y")
		}
	}
	if n < 1000 { // Cf, the variation selectors and the other default-ignorables: some 4,000
		t.Errorf("only %d invisible runes", n)
	}
}

// A secret of nothing but invisible runes (zero-width spaces and joiners) has nothing visible to
// be found by: it is compared with its invisible runes kept, so that its echo, raw or escaped, is
// masked (with other invisible runes between them too), and a cut echo is suspect. So is the
// invisible tail of a secret, which would otherwise show after the mask.
func TestMaskInvisibleSecrets(t *testing.T) {
	const zw = "\u200b\u200c\u200d\u2060\u200b\u200c\u200d\u2060\ufeff"
	for _, c := range []struct{ name, secret, text, want string }{
		{"invisible only", zw, "bad password " + zw + "!", "bad password *!"},
		{"invisible only, JSON \\u", zw, "bad password " + testutil.JSONASCII(zw) + "!", "bad password *!"},
		{"invisible only, query", zw, "bad password " + testutil.Echoes["query"](zw) + "!", "bad password *!"},
		{"invisible only, variation selectors between", zw, "bad password " + testutil.Interleave(zw, "\ufe0f") + "!", "bad password *!"},
		{"invisible only, every 4th", zw, "bad password " + zw[:12] + "\ufe0f" + zw[12:] + "!", "bad password *!"},
		{"invisible tail", "ab" + zw, "bad password ab" + zw + "!", "bad password *!"},
		{"one invisible rune", "\u200b", "a\u200bb", "a*b"},
	} {
		got, suspect := redact.Mask(c.text, []string{c.secret}, nil, "*")
		if got != c.want || suspect {
			t.Errorf("%s: %+q, suspect %v; want %+q", c.name, got, suspect, c.want)
		}
	}
	if got, suspect := redact.Mask("bad password "+zw[:24]+"!", []string{zw}, nil, "*"); !suspect {
		t.Errorf("a cut echo of an invisible secret: %+q is not suspect", got)
	}
	if got, suspect := redact.Mask("plain text\u200b here", []string{zw}, nil, "*"); got != "plain text\u200b here" || suspect {
		t.Errorf("text without the secret: %+q, suspect %v", got, suspect)
	}
}
