package redact

// Finding the secrets in a layer: each unit compares as its form (see form), so that one unit
// may stand for several runes of a secret, each match spanning the units it takes runes from.

// alike is r as it compares: '+' and ' ' are alike, as '+' may stand for a space (form
// encoding). A space in the text thus matches a '+' in a secret too, which can only mask more.
func alike(r rune) rune {
	if r == ' ' {
		return '+'
	}
	return r
}

// target is a folded string to find, with its Knuth-Morris-Pratt failure table: fail[i] is the
// length of the longest proper prefix of runes[:i+1] that is also its suffix.
type target struct {
	runes []rune
	fail  []int
	kept  kept // the invisible runes compared, not left out
}

func newTarget(rs []rune, k kept) target {
	fail := make([]int, len(rs))
	for i, k := 1, 0; i < len(rs); i++ {
		for k > 0 && alike(rs[i]) != alike(rs[k]) {
			k = fail[k-1]
		}
		if alike(rs[i]) == alike(rs[k]) {
			k++
		}
		fail[i] = k
	}
	return target{runes: rs, fail: fail, kept: k}
}

// matches returns the spans of layer that are one of targets, overlapping ones included, in one
// pass over layer per target (Knuth-Morris-Pratt: a self-similar secret, such as one character
// repeated, in a text of that character costs no more than any other). steps counts the
// comparisons. It appends the spans to out.
func matches(layer []unit, targets []target, steps *int, out []span) []span {
	var buf [maxDecomposition]rune
	forms := new(formCache) // each rune decomposed once per layer, not once per target
	for _, t := range targets {
		n := len(t.runes)
		starts := make([]int32, n) // the start of the unit of each of the last n runes compared
		k, next := 0, 0            // runes of t matched so far, where in starts the next rune goes
		for i := range layer {
			for _, r := range forms.unitForm(layer[i].r, &buf, t.kept) {
				starts[next] = layer[i].start
				if next++; next == n {
					next = 0 // now the oldest: where a match of n runes starts
				}
				r = alike(r)
				for k > 0 && r != alike(t.runes[k]) {
					k = t.fail[k-1]
					*steps++
				}
				*steps++
				if r == alike(t.runes[k]) {
					k++
				}
				if k == n {
					out = addSpan(out, span{int(starts[next]), int(layer[i].end)})
					k = t.fail[k-1]
				}
			}
		}
	}
	return out
}

// pieceMatches appends to out the spans of layer that are a piece of a secret, overlapping ones
// joined.
func pieceMatches(layer []unit, pieces map[[pieceRunes]rune]bool, k kept, steps *int, out []span) []span {
	if len(pieces) == 0 {
		return out
	}
	var buf [maxDecomposition]rune
	forms := new(formCache)
	var w [pieceRunes]rune       // the last pieceRunes runes compared
	var starts [pieceRunes]int32 // the start of the unit of each
	n := 0
	for i := range layer {
		for _, r := range forms.unitForm(layer[i].r, &buf, k) {
			*steps++
			copy(w[:], w[1:])
			copy(starts[:], starts[1:])
			w[pieceRunes-1], starts[pieceRunes-1] = r, layer[i].start
			if n++; n >= pieceRunes && pieces[pieceKey(w[:])] {
				out = addSpan(out, span{int(starts[0]), int(layer[i].end)})
			}
		}
	}
	return out
}

// unitForm is form(r) for the rune of a unit, which is folded already: the common case, ASCII,
// is the rune itself without a call.
func unitForm(r rune, buf *[maxDecomposition]rune, k kept) []rune {
	if r < 0x80 {
		buf[0] = r
		return buf[:1]
	}
	return form(r, buf, k)
}

// formCache remembers the forms of the last runes seen beyond ASCII (direct-mapped by the rune's
// low bits), for the targets that keep no invisible rune: a text of a few distinct characters,
// such as one built to be slow to decompose, is decomposed a few times, not once per unit and
// target.
type formCache struct {
	entry [256]struct {
		r     rune
		n     uint8
		runes [maxDecomposition]rune
	}
}

// unitForm is unitForm(r, buf, k), from the cache when k keeps nothing.
func (c *formCache) unitForm(r rune, buf *[maxDecomposition]rune, k kept) []rune {
	if r < 0x80 || len(k) > 0 {
		return unitForm(r, buf, k)
	}
	e := &c.entry[r&0xff]
	if e.r != r || e.n == 0 {
		f := unitForm(r, buf, nil)
		e.r, e.n = r, uint8(copy(e.runes[:], f))
		if len(f) == 0 {
			e.n = 0 // an ignorable rune: its form is empty, and so never cached
			return f
		}
	}
	return e.runes[:e.n]
}
