package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/voxsip/voxsip/api"
)

// The first stage of apply: the file, read and parsed into the desired registrations.

// desired is one entry of an apply file.
type desired struct {
	line     int
	p        *api.CreateSIPRegistrationParams // without the password
	set      []string                         // parameters the entry sets, in the spec's order
	pwSource string                           // "$VAR" or the file, for messages
	password *string                          // resolved
}

func (d *desired) key() regKey { return regKey{d.p.SIPUsername, d.p.Proxy} }

// maxApplyFile caps an apply file: tens of thousands of registrations fit in a few MiB.
const maxApplyFile = 16 << 20

// readApplyFile reads -f FILE (- for stdin) and the directory its relative paths are from. A
// file over maxApplyFile is refused rather than cut short, since a cut list would plan deletes.
func readApplyFile(file string, stdin io.Reader) ([]byte, string, error) {
	r, dir := stdin, "."
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, "", fmt.Errorf("-f: %w", err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return nil, "", fmt.Errorf("-f: %s is a directory", file)
		}
		r, dir = f, filepath.Dir(file)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxApplyFile+1))
	if err != nil {
		return nil, "", fmt.Errorf("-f: %w", err)
	}
	if len(data) > maxApplyFile {
		return nil, "", fmt.Errorf("-f: %s is larger than %d MiB (is this the right file?); nothing was changed", file, maxApplyFile>>20)
	}
	return data, dir, nil
}

// parseApplyFile reads an apply file. dir is where relative password_file paths start; getenv
// reads password_env.
func parseApplyFile(data []byte, dir string, getenv func(string) (string, bool)) ([]*desired, error) {
	// Every document is read: yaml.Unmarshal keeps the first and drops the rest, and with
	// --prune the registrations of a dropped document would be deleted.
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not valid YAML: %s", yamlProblem(err))
		}
		if len(root.Content) == 0 || root.Content[0].Tag == "!!null" && root.Content[0].Value == "" {
			continue // an empty document, as after a final ---
		}
		docs = append(docs, root.Content[0])
	}
	if len(docs) == 0 {
		return nil, errors.New("the file is empty; want a registrations: list")
	}
	if len(docs) > 1 {
		return nil, fmt.Errorf("line %d: a second YAML document (after ---): put every registration in one registrations: list", docs[1].Line)
	}
	doc := docs[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping with a registrations: list", doc.Line)
	}
	var list *yaml.Node
	for i := 0; i < len(doc.Content); i += 2 {
		k := doc.Content[i]
		if k.Value != "registrations" {
			return nil, fmt.Errorf("line %d: unknown key %q (the only key is registrations)", k.Line, k.Value)
		}
		if list != nil { // YAML would keep the last list and drop the others
			return nil, fmt.Errorf("line %d: registrations: given twice (merge the lists into one)", k.Line)
		}
		list = doc.Content[i+1]
	}
	if list == nil || (list.Kind != yaml.SequenceNode && list.Tag != "!!null") {
		return nil, fmt.Errorf("line %d: registrations: must be a list", doc.Line)
	}
	secret, _ := hasSecret(opCreate.op)
	var out []*desired
	var errs []error
	for _, item := range list.Content {
		d, err := parseEntry(item, secret, dir, getenv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, d)
	}
	errs = append(errs, checkUnique(out, knownFrom(nil)))
	return out, errors.Join(errs...)
}

func parseEntry(item *yaml.Node, secret, dir string, getenv func(string) (string, bool)) (*desired, error) {
	if item.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: each registration must be a mapping of API field names", item.Line)
	}
	d := &desired{line: item.Line, p: &api.CreateSIPRegistrationParams{}}
	seen := map[string]bool{}
	for i := 0; i < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		name := k.Value
		if seen[name] {
			return nil, fmt.Errorf("line %d: %s given twice", k.Line, name)
		}
		seen[name] = true
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return nil, fmt.Errorf("line %d: %s must be a single value", k.Line, name)
		}
		if name == secret || name == secret+"_file" || name == secret+"_env" {
			if err := d.setPassword(name, v.Value, secret, dir, getenv); err != nil {
				return nil, fmt.Errorf("line %d: %w", k.Line, err)
			}
			continue
		}
		f, ok := opCreate.op.Lookup(name)
		if !ok || f.Secret {
			return nil, fmt.Errorf("line %d: unknown field %q (fields are %s's parameters)", k.Line, name, opCreate.op.ID)
		}
		if err := opCreate.op.Set(d.p, name, v.Value); err != nil {
			return nil, fmt.Errorf("line %d: %w", k.Line, err)
		}
	}
	if seen[secret+"_file"] && seen[secret+"_env"] {
		return nil, fmt.Errorf("line %d: %s_file and %s_env are alternatives: give one", item.Line, secret, secret)
	}
	for _, f := range opCreate.op.Fields {
		if seen[f.Name] {
			d.set = append(d.set, f.Name)
		}
	}
	err := api.ValidateCreateSIPRegistration(d.p)
	if err == nil {
		err = checkProxy(opCreate.op.ID, d.p.Proxy)
	}
	if err != nil {
		var ve *api.ValidationError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("line %d: %s", item.Line, strings.TrimPrefix(err.Error(), "voxsip: "))
		}
		return nil, err
	}
	return d, nil
}

// setPassword resolves an entry's password from name (secret_file or secret_env) and its
// value; a password in clear (secret itself) is refused.
func (d *desired) setPassword(name, value, secret, dir string, getenv func(string) (string, bool)) error {
	switch name {
	case secret:
		return fmt.Errorf("a %s in clear is refused: use %s_file: PATH or %s_env: VARIABLE", secret, secret, secret)
	case secret + "_file":
		path := value
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		pw, err := readPasswordFile(path)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		d.password, d.pwSource = &pw, path
	case secret + "_env":
		pw, ok := getenv(value)
		if !ok || pw == "" {
			return fmt.Errorf("%s: $%s is not set or empty", name, value)
		}
		if err := checkPassword(pw); err != nil {
			return fmt.Errorf("%s: $%s: %w", name, value, err)
		}
		d.password, d.pwSource = &pw, "$"+value
	}
	return nil
}

// yamlProblem keeps yaml's line number and drops any quoted input.
func yamlProblem(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		msg = msg[i:]
	}
	if i := strings.IndexAny(msg, "`'\""); i >= 0 {
		msg = strings.TrimRight(msg[:i], " :")
	}
	return msg
}
