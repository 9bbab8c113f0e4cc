package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/voxsip/voxsip/api"
	"github.com/voxsip/voxsip/generated"
	"github.com/voxsip/voxsip/internal/jsonerr"
)

// The first stage of a batch: the input read once, as a stream, into lines, and each line
// parsed into the operation's parameters.

// rawLine is one non-blank line of the input.
type rawLine struct {
	n       int // line number, from 1
	text    []byte
	tooLong bool
	err     error // a read error: the input ends here
}

// lineSplitter is a bufio.SplitFunc's state: a line whose text (without "\n" or "\r\n") is
// longer than maxLine is skipped to its end and reported tooLong, and one longer than maxDrain
// ends the input with an error. Without drain, the first too-long line ends the input as
// soon as it is seen (for inputs that are not worth reading to the end).
type lineSplitter struct {
	n        int  // the line being read, from 1
	drain    bool // read a too-long line to its end and go on
	skipping bool // in a too-long line, looking for its end
	skipped  int  // bytes of it skipped
	tooLong  bool // the token just returned stands for a too-long line
}

// errNoEnd ends an input whose line goes on past maxDrain.
type errNoEnd struct{ line int }

func (e *errNoEnd) Error() string {
	return fmt.Sprintf("line %d is longer than %d MiB with no end yet: is this JSON Lines?", e.line, maxDrain>>20)
}

// tooLongLine is the token that stands for a too-long line (tooLong says so).
var tooLongLine = []byte{}

func (ls *lineSplitter) split(data []byte, atEOF bool) (int, []byte, error) {
	ls.tooLong = false
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		switch {
		case atEOF && len(data) == 0 && !ls.skipping:
			return 0, nil, nil
		case atEOF:
			i = len(data) // the last line, with no newline
		case ls.skipping || len(data) >= maxLine+2:
			return ls.skip(data)
		default:
			return 0, nil, nil // the line may still fit: read on
		}
	}
	line := bytes.TrimSuffix(data[:i], []byte("\r"))
	advance := min(i+1, len(data))
	if ls.skipping || len(line) > maxLine {
		ls.skipping, ls.skipped, ls.tooLong = false, 0, true
		return advance, tooLongLine, nil
	}
	return advance, line, nil
}

// skip passes over data, a part of a too-long line with no end yet.
func (ls *lineSplitter) skip(data []byte) (int, []byte, error) {
	if !ls.drain {
		ls.tooLong = true
		return len(data), tooLongLine, bufio.ErrFinalToken
	}
	ls.skipping, ls.skipped = true, ls.skipped+len(data)
	if ls.skipped > maxDrain {
		return 0, nil, &errNoEnd{ls.n}
	}
	return len(data), nil, nil
}

// readLines streams r once, line by line, and calls emit with each non-blank line (a copy)
// until it returns false: a BOM at the start is dropped, a line longer than maxLine is drained
// and reported tooLong, one longer than maxDrain ends the input with an error.
func readLines(r io.Reader, emit func(rawLine) bool) { scanLines(r, true, emit) }

// scanLines is readLines; without drain, a line longer than maxLine is reported tooLong as soon
// as it is seen, and reading stops there.
func scanLines(r io.Reader, drain bool, emit func(rawLine) bool) {
	ls := &lineSplitter{drain: drain}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine+2) // room for the line and its "\r\n"
	sc.Split(ls.split)
	for ls.n = 1; sc.Scan(); ls.n++ {
		text := sc.Bytes()
		if ls.n == 1 {
			text = bytes.TrimPrefix(text, []byte("\xEF\xBB\xBF"))
		}
		if !ls.tooLong && len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		rl := rawLine{n: ls.n, tooLong: ls.tooLong}
		if !ls.tooLong {
			rl.text = bytes.Clone(text)
		}
		if !emit(rl) {
			return
		}
	}
	if err := sc.Err(); err != nil {
		emit(rawLine{n: ls.n, err: err})
	}
}

// parseLine decodes one JSON object with the operation's API parameter names straight into its
// Params struct (the generated DecodeParamsJSON: one pass, no reflection) and checks the API's
// rules once. Errors never quote the line (it may hold a password).
func parseLine(o operation, raw []byte) (any, error) {
	p := o.op.New()
	if !utf8.Valid(raw) {
		// JSON would turn the bytes into U+FFFD: a password would be sent altered.
		return p, errors.New("not valid UTF-8")
	}
	if loneSurrogate(raw) {
		return p, errors.New(`a \u escape that is no character (half of a surrogate pair): it would be sent as U+FFFD`)
	}
	if err := p.DecodeParamsJSON(raw); errors.Is(err, generated.ErrNotJSON) {
		return o.op.New(), lineJSONError(err, raw) // nothing of malformed JSON is shown, not even its id
	} else if err != nil {
		// The result shows what was decoded before the key at fault (its id), unless that key
		// has a value already: given twice, it is unclear which of its values the line means.
		var pe *generated.ParamsJSONError
		if errors.As(err, &pe) && pe.Param != "" && p.HasParam(pe.Param) {
			return o.op.New(), err
		}
		return p, err
	}
	if err := checkGiven(o, p); err != nil {
		return p, err
	}
	if name, ok := hasSecret(o.op); ok {
		if v, set := p.ParamText(name); set {
			if err := checkPassword(v); err != nil {
				return p, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return p, o.validate(p)
}

// lineJSONError words DecodeParamsJSON's ErrNotJSON for a person: encoding/json says where
// (jsonerr quotes nothing of the line); it only words the error, never decides.
func lineJSONError(err error, raw []byte) error {
	var v any
	if jerr := json.NewDecoder(bytes.NewReader(raw)).Decode(&v); jerr != nil {
		return errors.New(jsonerr.Describe(jerr))
	}
	return err
}

// loneSurrogate reports whether the JSON text raw has a \uD800-\uDFFF escape that is not half
// of a high-low pair: encoding/json decodes it to U+FFFD, so a value would be sent altered.
func loneSurrogate(raw []byte) bool {
	if !bytes.Contains(raw, []byte(`\u`)) {
		return false // the common line: no escape to look at
	}
	high := false // the escape just read is a high surrogate, waiting for its low half
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			if high {
				return true
			}
			continue
		}
		if i+1 < len(raw) && raw[i+1] != 'u' { // \n, \\, ...: two bytes, no surrogate
			if high {
				return true
			}
			i++
			continue
		}
		if i+6 > len(raw) {
			return high
		}
		r, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 32)
		i += 5
		switch {
		case err != nil:
			return false // not JSON: the decoder says so
		case r >= 0xD800 && r < 0xDC00:
			if high {
				return true
			}
			high = true
		case r >= 0xDC00 && r < 0xE000:
			if !high {
				return true
			}
			high = false
		case high:
			return true
		}
	}
	return high
}

// checkGiven refuses, in a line that decoded, what the command refuses from flags: an empty
// value where empty clears nothing (create), and an update that sets no field (it would be sent
// and say ok). A null is a parameter not given.
func checkGiven(o operation, p generated.OperationParams) error {
	var err error
	changes := false
	p.EachParam(func(name, text string) {
		i, ok := o.op.Index(name)
		if !ok || err != nil {
			return
		}
		switch f := &o.op.Fields[i]; {
		case f.Required:
		case text == "" && f.Type == "string" && !emptyClears(o.op):
			err = fmt.Errorf("%s: an empty value is refused (%s clears nothing): leave the key out", f.Name, o.op.ID)
		default:
			changes = true
		}
	})
	if err == nil && emptyClears(o.op) && !changes {
		err = errors.New("nothing to update: the line gives no field to change and no password")
	}
	return err
}

// checkDuplicate refuses a create line for the registration (sip_username and proxy, compared
// as a pair by their identity: see regKey.identity; one regDigest kept per line) that an
// earlier line creates: each would be a registration and a month's fee, and
// a second line is almost always a mistake. A line done in a previous run (--resume) still
// counts as the earlier one; a line held back (its outcome unknown) stays held.
func (b *batch) checkDuplicate(j *job) {
	p, ok := j.p.(*api.CreateSIPRegistrationParams)
	if !ok || j.bad != nil {
		return
	}
	if b.firstLine == nil {
		b.firstLine = map[regDigest]int{}
	}
	k := regKey{p.SIPUsername, p.Proxy}
	d := k.digest()
	first, seen := b.firstLine[d]
	switch {
	case !seen:
		b.firstLine[d] = j.line
	case j.skip == "" && j.held == nil:
		j.bad = fmt.Errorf("line %d creates %s already (a proxy's host is compared in any case and with or without a "+
			"trailing dot; a second registration, and a second fee, is almost always a mistake): "+
			"remove one of the lines, or create the second on its own", first, k)
	}
}

// registrationID returns p's sip_registration_id, or 0.
func registrationID(o operation, p any) int64 {
	if p == nil {
		return 0
	}
	v, _ := o.op.Text(p, "sip_registration_id")
	id, _ := strconv.ParseInt(v, 10, 64)
	return id
}
