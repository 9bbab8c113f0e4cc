package redact

import (
	"slices"
	"testing"
)

// naiveMatches is what matches returns, by comparing at every position: the reference that the
// one-pass matcher must agree with.
func naiveMatches(units []unit, t []rune) []span {
	var layer []unit // one unit per rune of each unit's form
	var buf [maxDecomposition]rune
	for _, u := range units {
		for _, r := range form(u.r, &buf, nil) {
			layer = append(layer, unit{r, u.start, u.end})
		}
	}
	var out []span
	for i := 0; i+len(t) <= len(layer); i++ {
		k := 0
		for k < len(t) && alike(layer[i+k].r) == alike(t[k]) {
			k++
		}
		if k == len(t) {
			out = append(out, span{int(layer[i].start), int(layer[i+k-1].end)})
		}
	}
	return merge(out, false)
}

// The one-pass matcher finds the same spans as comparing at every position, for any text and
// secret (self-similar ones, '+' and ' ', multi-byte runes, runes that decompose).
func FuzzMatchesNaive(f *testing.F) {
	for _, s := range [][2]string{{"aaaaaaa", "aa"}, {"abababab", "abab"}, {"aabaabaaab", "aab"}, {"a b+c a+b c", "a b"},
		{"xyzxyz", "q"}, {"ü😀üü😀", "ü😀ü"}, {"ﷺäa\u0308ﷺ", "\u0308ﷺ"}, {"각각", "ᆨ가"}, {"", "a"}, {"abcabdabcabcabd", "abcabd"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, text, secret string) {
		if secret == "" {
			return
		}
		layer := initial(text, false)
		want := fold([]rune(secret), nil)
		if len(want) == 0 {
			return // nothing but invisible runes: not a target (see prepare)
		}
		steps := 0
		got := merge(matches(layer, []target{newTarget(want, nil)}, &steps, nil), false)
		if naive := naiveMatches(layer, want); !slices.Equal(got, naive) {
			t.Errorf("matches(%q, %q) = %v, want %v", text, secret, got, naive)
		}
		if steps > 2*maxDecomposition*len(layer)+len(want) {
			t.Errorf("%d steps for a text of %d runes", steps, len(layer))
		}
	})
}
