package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/voxsip/voxsip/internal/params"
)

// --resume, second step: the results checked against the input lines they are for, before
// anything is sent.

// paramsDigest identifies a batch line in its --json result ("params_digest"): the first 16 hex
// digits of the SHA-256 of the operation and the line's parameters as they go on the wire,
// sorted by name, with each secret parameter's value (the password) left out: only whether it is
// given counts. A digest over the password would let anyone who holds the results test guesses
// of it at the speed of SHA-256; without it, a line whose only change is its password is the
// same line to --resume.
func paramsDigest(o operation, p any) string {
	var arr [512]byte // most lines' fields fit: nothing to allocate
	buf := appendField(arr[:0], "voxsip params_digest 1")
	buf = appendField(buf, o.op.ID)
	if gp, err := o.op.Of(p); err == nil {
		for _, i := range o.op.NameOrder {
			f := &o.op.Fields[i]
			v, given := gp.ParamText(f.Name)
			if !given {
				continue
			}
			if f.Secret {
				v = params.Mask
			}
			buf = appendField(appendField(buf, f.Name), v)
		}
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:8])
}

// appendField appends s with its length first, so that no two lists of fields run together
// into the same bytes.
func appendField(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// digestOf is the params_digest of an input line as the batch would print it ("" for a line that
// cannot be sent).
func digestOf(o operation, rl rawLine) string {
	if rl.tooLong {
		return ""
	}
	p, err := parseLine(o, rl.text)
	if err != nil {
		return ""
	}
	return paramsDigest(o, p)
}

// checkInput reads in as far as the last line the results mark ok or outcome unknown (or that a
// cut-short last result may have been for), and refuses the run when one of those lines is not
// the line its result was for: edited, shifted by a line inserted or deleted, missing. Nothing
// has been sent then. It returns the input to run the batch from: in itself, rewound, when it
// is a regular file; else the bytes read followed by the rest of in (read once, as a stream).
// An interrupt (ctx) while it waits for input ends it.
func (rs *resumeState) checkInput(ctx context.Context, o operation, in io.Reader) (io.Reader, error) {
	if rs == nil || rs.last == 0 {
		return in, nil
	}
	src, replay := replayable(in)
	checked := make(chan error, 1)
	go func() { checked <- rs.readAndCheck(o, src) }()
	select {
	case err := <-checked:
		if err != nil {
			return nil, err
		}
		return replay()
	case <-ctx.Done():
		return nil, errors.New("interrupted while --resume compared the input with its results; nothing was sent")
	}
}

// readAndCheck reads src up to line rs.last and checks each line a result marks.
func (rs *resumeState) readAndCheck(o operation, src io.Reader) error {
	var err error
	seen := 0
	readLines(src, func(rl rawLine) bool {
		if rl.err != nil {
			err = fmt.Errorf("--batch: %w", rl.err)
			return false
		}
		seen = rl.n
		if len(rs.marks[rl.n]) > 0 || (rs.cut != nil && rs.cut.line == rl.n) {
			err = rs.checkLine(o, rl)
		}
		return err == nil && rl.n < rs.last
	})
	if err == nil && seen < rs.last {
		err = rs.missing(seen)
	}
	return err
}

// checkLine compares input line rl with the results that mark it.
func (rs *resumeState) checkLine(o operation, rl rawLine) error {
	digest := digestOf(o, rl)
	for _, m := range rs.marks[rl.n] {
		if m.digest == digest {
			continue
		}
		why := "its parameters differ (the password is not compared)"
		if digest == "" {
			why = "it is now a bad line"
		}
		return fmt.Errorf("--resume: line %d of %s marks input line %d %s, but input line %d is not the line that "+
			"result is for: %s; was the input edited, or a line inserted or deleted before it? Nothing was sent: resume "+
			"with the input as it was, or delete from %s the results of the lines you changed",
			m.at, rs.path, rl.n, m.what(), rl.n, why, rs.path)
	}
	if rs.cut != nil && rs.cut.line == rl.n && len(rs.marks[rl.n]) == 0 {
		return rs.cut.refuse(rs.path, o.op.ID, digest)
	}
	return nil
}

// missing refuses results for a line past the end of the input (seen is its last line).
func (rs *resumeState) missing(seen int) error {
	n, at := 0, 0
	for line, ms := range rs.marks {
		if line > seen && (n == 0 || line < n) {
			n, at = line, ms[0].at
		}
	}
	if c := rs.cut; c != nil && c.line > seen && (n == 0 || c.line < n) {
		n, at = c.line, c.at
	}
	return fmt.Errorf("--resume: line %d of %s is a result for input line %d, but the input ends at line %d: is it "+
		"the input of that run? Nothing was sent", at, rs.path, n, seen)
}

// replayable returns the reader to check the input from, and a function that gives the input
// again from where it was: a regular file is rewound; anything else (a pipe, standard input)
// is replayed from a copy of the bytes read.
func replayable(in io.Reader) (io.Reader, func() (io.Reader, error)) {
	if f, ok := in.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if start, err := f.Seek(0, io.SeekCurrent); err == nil {
				return f, func() (io.Reader, error) {
					if _, err := f.Seek(start, io.SeekStart); err != nil {
						return nil, fmt.Errorf("--batch: %w", err)
					}
					return f, nil
				}
			}
		}
	}
	var read bytes.Buffer
	return io.TeeReader(in, &read), func() (io.Reader, error) { return io.MultiReader(&read, in), nil }
}
