package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/voxsip/voxsip/generated"
	paramcodec "github.com/voxsip/voxsip/internal/params"
)

// What ParseSeed reads from a seed's text that decoding it into a Seed drops: where each item
// is, which keys an object gives (exactly, once each), and which fields with a default in the
// spec a registration leaves out.

// jsonKeys are the exact keys of a JSON object, each with the keys of the objects its value
// holds (nil for a scalar), as encoding/json writes the Go type.
type jsonKeys map[string]jsonKeys

// keysOf reads the JSON keys of t (a struct, or a pointer to or a slice of one) from its tags.
func keysOf(t reflect.Type) jsonKeys {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	keys := jsonKeys{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "" && name != "-" {
			keys[name] = keysOf(f.Type)
		}
	}
	return keys
}

// seedKeys are the keys of a seed file; each list's items have the keys of its element type.
var seedKeys = keysOf(reflect.TypeFor[Seed]())

// registrationsKey is the seed's key of its registrations.
const registrationsKey = "registrations"

// seedScan is what scanSeed found.
type seedScan struct {
	lines  map[string][]int // the line of each item of each list, by the list's key
	absent [][]string       // the keys of registrationDefaults each registration leaves out
}

// scanFrame is an object or array scanSeed is in.
type scanFrame struct {
	keys    jsonKeys        // an object's keys; an array's items' keys
	given   map[string]bool // an object's keys so far; nil for an array
	wantKey bool            // an object: a key (or its end) is next, not a value
	key     string          // an object: the key whose value is next
	list    string          // the key of the top-level list the frame is in ("" outside one)
}

// seedScanner is scanSeed's state.
type seedScanner struct {
	seedScan
	data     []byte
	defaults []string
	stack    []*scanFrame
	at       int64 // where line was counted to
	line     int
}

// lineOf is the line of data's byte offset; offsets only grow, so each newline is counted once.
func (s *seedScanner) lineOf(offset int64) int {
	s.line += bytes.Count(s.data[s.at:offset], []byte("\n"))
	s.at = offset
	return s.line
}

// value is the frame for a value that begins at offset (used when it is an object or array),
// noting where an item of a top-level list is.
func (s *seedScanner) value(offset int64) *scanFrame {
	next := &scanFrame{keys: seedKeys}
	if len(s.stack) == 0 { // the seed itself
		return next
	}
	top := s.stack[len(s.stack)-1]
	if top.given != nil { // the value of top.key; at the top level, a list
		next.keys, next.list = top.keys[top.key], top.list
		if len(s.stack) == 1 {
			next.list = top.key
		}
		return next
	}
	next.keys, next.list = top.keys, top.list // an item of an array
	if len(s.stack) == 2 {
		s.lines[top.list] = append(s.lines[top.list], s.lineOf(offset))
		if top.list == registrationsKey { // all left out, unless its object says otherwise
			s.absent = append(s.absent, s.defaults)
		}
	}
	return next
}

// scanSeed walks data (JSON that decoded into a Seed) and refuses, with its line, a key that is
// not exactly one of its object's (encoding/json matches keys up to case, and would take
// "Registrations" or "uſers") or that an object gives twice (encoding/json keeps the last value
// silently, and decodes a list given twice into the first one's items, so that the first
// registrations would vanish and lend their fields). It notes the line of each item of each
// list and which of the keys defaults each registration leaves out.
func scanSeed(data []byte, defaults []string) (seedScan, error) {
	s := &seedScanner{seedScan: seedScan{lines: map[string][]int{}}, data: data, defaults: defaults, line: 1}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return s.seedScan, nil // the end: the seed was decoded, so the JSON is valid
		}
		var top *scanFrame
		if len(s.stack) > 0 {
			top = s.stack[len(s.stack)-1]
		}
		key, isString := tok.(string)
		switch {
		case isString && top != nil && top.wantKey:
			if err := checkKey(top.keys, top.given, key); err != nil {
				return s.seedScan, fmt.Errorf("line %d: %w", s.lineOf(dec.InputOffset()), err)
			}
			top.given[key], top.key, top.wantKey = true, key, false
			continue
		case tok == json.Delim('}') || tok == json.Delim(']'):
			if top.list == registrationsKey && len(s.stack) == 3 {
				s.absent[len(s.absent)-1] = absentKeys(top.given, defaults)
			}
			s.stack = s.stack[:len(s.stack)-1]
		case tok == json.Delim('{') || tok == json.Delim('['):
			next := s.value(dec.InputOffset())
			if tok == json.Delim('{') {
				next.given, next.wantKey = map[string]bool{}, true
			}
			s.stack = append(s.stack, next)
			continue
		default: // a scalar
			s.value(dec.InputOffset())
		}
		if len(s.stack) > 0 && s.stack[len(s.stack)-1].given != nil { // a value ended: a key is next
			s.stack[len(s.stack)-1].wantKey = true
		}
	}
}

// checkKey refuses a key that is not exactly one of keys, or that given already holds.
func checkKey(keys jsonKeys, given map[string]bool, key string) error {
	if _, ok := keys[key]; !ok {
		for k := range keys {
			if strings.EqualFold(k, key) {
				return fmt.Errorf("key %q is not exact: write %q (keys are matched exactly)", key, k)
			}
		}
		return fmt.Errorf("unknown field %q", key)
	}
	if given[key] {
		return fmt.Errorf("key %q given twice in an object", key)
	}
	return nil
}

// absentKeys returns the keys of want that given lacks.
func absentKeys(given map[string]bool, want []string) []string {
	var out []string
	for _, k := range want {
		if !given[k] {
			out = append(out, k)
		}
	}
	return out
}

// registrationDefaults are the parameters of CreateSipRegistration that have a default in
// openapi.yaml and are fields of a listed registration too (is_persistent: true), as JSON
// members: a seeded registration that leaves one out gets it, as a created one does.
var registrationDefaults = func() map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, f := range paramcodec.For[generated.CreateSIPRegistrationParams]().Fields {
		if _, ok := seedKeys[registrationsKey][f.Name]; !ok || f.Default == "" {
			continue
		}
		v := json.RawMessage(f.Default)
		if f.Type == "string" {
			v, _ = json.Marshal(f.Default)
		}
		out[f.Name] = v
	}
	return out
}()

// defaultNames are the keys of registrationDefaults, sorted.
var defaultNames = slices.Sorted(maps.Keys(registrationDefaults))

// fillDefaults gives each registration the defaults of registrationDefaults it left out.
func (sd *Seed) fillDefaults(absent [][]string) error {
	objects := map[string][]byte{} // by the names joined: most registrations leave out the same
	for i, names := range absent {
		if i >= len(sd.Registrations) || len(names) == 0 {
			continue
		}
		joined := strings.Join(names, ",")
		b, ok := objects[joined]
		var err error
		if !ok {
			members := make(map[string]json.RawMessage, len(names))
			for _, n := range names {
				members[n] = registrationDefaults[n]
			}
			b, err = json.Marshal(members)
			objects[joined] = b
		}
		if err == nil {
			err = json.Unmarshal(b, &sd.Registrations[i])
		}
		if err != nil {
			return fmt.Errorf("%sthe spec's default of %s: %w", sd.where(registrationsKey, i), strings.Join(names, ", "), err)
		}
	}
	return nil
}
