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

// scanSeed walks data (JSON that decoded into a Seed) and refuses, with its line, a key that is
// not exactly one of its object's (encoding/json matches keys up to case, and would take
// "Registrations" or "uſers") or that an object gives twice (encoding/json keeps the last value
// silently, and decodes a list given twice into the first one's items, so that the first
// registrations would vanish and lend their fields). It notes the line of each item of each
// list and which of the keys defaults each registration leaves out.
func scanSeed(data []byte, defaults []string) (seedScan, error) {
	sc := seedScan{lines: map[string][]int{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []*scanFrame
	var at int64
	line := 1
	lineOf := func(offset int64) int { // offsets only grow: count each newline once
		line += bytes.Count(data[at:offset], []byte("\n"))
		at = offset
		return line
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return sc, nil // the end: the seed was decoded, so the JSON is valid
		}
		var top *scanFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if key, ok := tok.(string); ok && top != nil && top.wantKey {
			if err := checkKey(top.keys, top.given, key); err != nil {
				return sc, fmt.Errorf("line %d: %w", lineOf(dec.InputOffset()), err)
			}
			top.given[key], top.key, top.wantKey = true, key, false
			continue
		}
		if tok == json.Delim('}') || tok == json.Delim(']') {
			if top.list == registrationsKey && len(stack) == 3 {
				sc.absent[len(sc.absent)-1] = absentKeys(top.given, defaults)
			}
			stack = stack[:len(stack)-1]
		} else {
			next := &scanFrame{keys: seedKeys}
			switch {
			case top == nil: // the seed itself
			case top.given == nil: // an item of an array
				next.keys, next.list = top.keys, top.list
				if len(stack) == 2 {
					sc.lines[top.list] = append(sc.lines[top.list], lineOf(dec.InputOffset()))
					if top.list == registrationsKey { // all left out, unless an object says otherwise
						sc.absent = append(sc.absent, defaults)
					}
				}
			default: // the value of top.key
				next.keys, next.list = top.keys[top.key], top.list
				if len(stack) == 1 {
					next.list = top.key
				}
			}
			if tok == json.Delim('{') || tok == json.Delim('[') {
				if tok == json.Delim('{') {
					next.given, next.wantKey = map[string]bool{}, true
				}
				stack = append(stack, next)
				continue
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].given != nil { // a value ended: a key is next
			stack[len(stack)-1].wantKey = true
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
