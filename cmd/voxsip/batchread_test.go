package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestBatchLineCap: a line of exactly maxLine bytes (without its "\n" or "\r\n") is read, one
// byte more is too long and skipped to its end; the lines around are read whole, numbered.
func TestBatchLineCap(t *testing.T) {
	at, over := strings.Repeat("a", maxLine), strings.Repeat("b", maxLine+1)
	input := at + "\n" + over + "\n" + at + "\r\n" + over + "\r\n" + "x\n" + strings.Repeat("c", 3*maxLine) + "\n" + over
	type got struct {
		n       int
		size    int
		tooLong bool
	}
	var lines []got
	readLines(strings.NewReader(input), func(rl rawLine) bool {
		if rl.err != nil {
			t.Fatalf("line %d: %v", rl.n, rl.err)
		}
		lines = append(lines, got{rl.n, len(rl.text), rl.tooLong})
		return true
	})
	want := []got{{1, maxLine, false}, {2, 0, true}, {3, maxLine, false}, {4, 0, true}, {5, 1, false}, {6, 0, true}, {7, 0, true}}
	if len(lines) != len(want) {
		t.Fatalf("lines %v, want %v", lines, want)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i+1, lines[i], want[i])
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestEndlessLineIsReadNoFurtherThanTheCap: a line with no end (/dev/zero) ends the input with
// an error once maxDrain bytes of it are read, not later.
func TestEndlessLineIsReadNoFurtherThanTheCap(t *testing.T) {
	in := &countingReader{r: zeroReader{}}
	var last rawLine
	readLines(in, func(rl rawLine) bool { last = rl; return true })
	var ne *errNoEnd
	if !errors.As(last.err, &ne) || ne.line != 1 {
		t.Fatalf("last line %+v, want errNoEnd on line 1", last)
	}
	if in.n < maxDrain || in.n > maxDrain+2*(maxLine+2) {
		t.Errorf("read %d bytes, want about %d", in.n, maxDrain)
	}
}
