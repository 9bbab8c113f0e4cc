package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// --resume, first step: the result objects of a --json results file, including those glued
// to a result cut short. When a full disk cuts a write short, the batch prints that result and
// the ones after on standard error and asks for them to be appended to the results: the file
// then holds {"line":1,"ok":tr{"line":1,"ok":true,…}, the piece glued to its copy.

// maxCopyStarts bounds the places tried as the start of a cut-short result's copy on one line.
const maxCopyStarts = 100

var (
	// errNotResult: the line holds something other than JSON objects.
	errNotResult = errors.New("not a result")
	// errNotCopy: a result cut short is followed by something other than its complete copy.
	errNotCopy = errors.New("not its copy")
)

// readResults gives add each result object of r with its line number in the file. A line may
// hold several (see splitResults). A result cut short must be followed, on its line or the next,
// by its complete copy (a result that begins with the same bytes: the batch prints the same
// bytes to standard error as to standard output); else the file is refused, unless the cut
// result is on the last line: that one is returned for the caller to decide. With passOver (an
// idempotent operation, whose lines may be sent again) a cut result followed by anything else
// is passed over: a run killed while writing leaves a piece, and the next run's results,
// appended with >>, are glued to it or follow it; its input line is sent again.
func readResults(r io.Reader, path string, passOver bool, add func(at int, obj []byte) error) (*cutShort, error) {
	var (
		err       error
		pending   []byte // the end of a line, cut short: the next value must be its copy
		pendingAt int
	)
	scanLines(r, false, func(rl rawLine) bool {
		switch {
		case rl.err != nil:
			err = fmt.Errorf("--resume: %w", rl.err)
			return false
		case rl.tooLong:
			err = fmt.Errorf("--resume: line %d is longer than %d bytes: %s is not the --json output of a batch", rl.n, maxLine, path)
			return false
		}
		objs, tail, serr := splitResults(bytes.TrimSpace(rl.text), pending, passOver)
		switch {
		case errors.Is(serr, errNotResult):
			err = fmt.Errorf("--resume: line %d of %s is not a result: %s is not the --json output of a batch; nothing was sent", rl.n, path, path)
		case serr != nil:
			at := fmt.Sprintf("line %d", rl.n)
			if pending != nil {
				at = fmt.Sprintf("lines %d-%d", pendingAt, rl.n)
			}
			err = fmt.Errorf("--resume: a result cut short at %s of %s is not followed by its complete copy, so "+
				"what it marked is unknown; nothing was sent: put in its place the complete result (a failed "+
				"write's are on that run's standard error, after \"voxsip: result not written: \"), or delete it once you "+
				"know which input line it was for and whether that took effect", at, path)
		}
		for _, obj := range objs {
			if err == nil {
				err = add(rl.n, obj)
			}
		}
		pending, pendingAt = tail, rl.n
		return err == nil
	})
	if err != nil || pending == nil {
		return nil, err
	}
	return &cutShort{at: pendingAt, line: cutLine(pending)}, nil
}

// cutLineRE finds the "line" of a result cut short, when its number is complete.
var cutLineRE = regexp.MustCompile(`[{,]"line":([0-9]+)[,}]`)

// cutLine is the input line a result cut short names, or 0.
func cutLine(piece []byte) int {
	m := cutLineRE.FindSubmatch(piece)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(string(m[1]))
	if err != nil {
		return 0
	}
	return n
}

// splitResults splits one line of results into its JSON values and, when it ends with a
// result cut short, that piece (tail). pending is the end of the line before, cut short: the
// first value must be its copy. A piece cut short in the middle of the line must be followed
// by its copy; errNotCopy when it is not, unless passOver: then the piece is dropped.
func splitResults(text, pending []byte, passOver bool) (objs [][]byte, tail []byte, err error) {
	if pending == nil && json.Valid(text) {
		return [][]byte{text}, nil, nil
	}
	for pos := 0; pos < len(text); {
		if c := text[pos]; c == ' ' || c == '\t' || c == '\r' {
			pos++
			continue
		}
		if n := firstValue(text[pos:]); n > 0 {
			obj := text[pos : pos+n]
			if pending != nil && !bytes.HasPrefix(obj, pending) && !passOver {
				return nil, nil, errNotCopy
			}
			objs, pending, pos = append(objs, obj), nil, pos+n
			continue
		}
		switch {
		case text[pos] != '{':
			return nil, nil, errNotResult
		case pending != nil && !passOver:
			return nil, nil, errNotCopy
		}
		j, isCopy, err := copyStart(text, pos)
		piece := text[pos:]
		if j >= 0 {
			piece = text[pos:j]
		}
		switch {
		case err != nil:
			return nil, nil, err
		case !isCutResult(piece):
			return nil, nil, errNotResult // not a result written short: something else
		case j < 0:
			return objs, text[pos:], nil
		case !isCopy && !passOver:
			return nil, nil, errNotCopy
		}
		pending = nil // not its copy (passOver): the piece is dropped
		if isCopy {
			pending = text[pos:j]
		}
		pos = j
	}
	return objs, nil, nil
}

// isCutResult reports whether piece can be a result the batch began to write and could not
// finish: an object that is valid JSON as far as it goes (decoding it runs out of input rather
// than meeting a wrong byte).
func isCutResult(piece []byte) bool {
	var v json.RawMessage
	return errors.Is(json.NewDecoder(bytes.NewReader(piece)).Decode(&v), io.ErrUnexpectedEOF)
}

// copyStart returns where, after the result cut short at pos, the next complete value starts,
// and whether it is that result's copy; -1 when none follows (the line ends with the cut result).
func copyStart(text []byte, pos int) (int, bool, error) {
	tried := 0
	for j := pos + 1; j < len(text)-1; j++ {
		if text[j] != '{' || text[j+1] != '"' {
			continue
		}
		if tried++; tried > maxCopyStarts {
			return 0, false, errNotCopy
		}
		if n := firstValue(text[j:]); n >= 0 {
			return j, bytes.HasPrefix(text[j:j+n], text[pos:j]), nil
		}
	}
	return -1, false, nil
}

// firstValue returns the length of the JSON value text begins with, or -1.
func firstValue(text []byte) int {
	dec := json.NewDecoder(bytes.NewReader(text))
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return -1
	}
	return int(dec.InputOffset())
}
