package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeHelpExamplesWork runs every command of serve --help's example: each voxsip serve
// line starts a fresh emulator (on a free port, files in a temporary directory), and each
// command after it must succeed against that emulator.
func TestServeHelpExamplesWork(t *testing.T) {
	var s *served
	var cert string
	ran := 0
	for _, line := range strings.Split(serveExample, "\n") {
		args := strings.Fields(line)
		if len(args) < 2 || args[0] != "voxsip" {
			continue
		}
		args = args[1:]
		if args[0] == "serve" {
			if s != nil {
				s.stop(t)
			}
			cert = filepath.Join(t.TempDir(), "cert.pem")
			s = startServe(t, exampleServeArgs(args[1:], cert)...)
			continue
		}
		for i := 1; i < len(args); i++ {
			switch args[i-1] {
			case "--credentials":
				args[i] = s.creds
			case "--base-url":
				args[i] = s.url
			case "--ca-cert":
				args[i] = cert
			}
		}
		if r := runCLI(t, nil, args); r.code != 0 {
			t.Errorf("%s: exit %d, %q", line, r.code, r.stderr)
		}
		ran++
	}
	if s != nil {
		s.stop(t)
	}
	if ran < 4 {
		t.Errorf("ran %d example commands: the example lost its commands", ran)
	}
}

// exampleServeArgs are an example's serve flags for a test: no --addr (startServe picks a free
// port), the certificate in cert, the seed found from this package's directory.
func exampleServeArgs(args []string, cert string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--addr", "--credentials-out":
			i++
		case "--tls-cert":
			out = append(out, args[i], cert)
			i++
		case "--seed":
			out = append(out, args[i], filepath.Join("..", "..", args[i+1]))
			i++
		default:
			out = append(out, args[i])
		}
	}
	return out
}

// TestServeExamplesDocRuns runs docs/serve-examples.md's curl and Node.js blocks (curl and node
// are on the CI machine) against a fresh voxsip serve, with the voxsip on PATH built from this
// tree.
func TestServeExamplesDocRuns(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "serve-examples.md"))
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "voxsip"), ".").CombinedOutput(); err != nil {
		t.Fatalf("building voxsip: %v\n%s", err, out)
	}
	for _, tc := range []struct{ block, prog, want string }{
		{"curl", "bash", `"sip_username":"alice"`},
		{"node", "node", "bob sip2.example.com"},
	} {
		t.Run(tc.block, func(t *testing.T) {
			path, err := exec.LookPath(tc.prog)
			if err != nil {
				t.Fatalf("%s is needed to run the %s example: %v", tc.prog, tc.block, err)
			}
			s := startServe(t)
			defer s.stop(t)
			script := docBlock(t, string(doc), tc.block)
			script = strings.ReplaceAll(script, "http://127.0.0.1:8080/platform_api", s.url)
			script = strings.ReplaceAll(script, "fake.json", s.creds)
			args := []string{"-euo", "pipefail"}
			if tc.prog == "node" {
				args = []string{"--input-type=module"}
			}
			cmd := exec.Command(path, args...)
			cmd.Stdin = strings.NewReader(script)
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), tc.want) || strings.Contains(string(out), `"error"`) {
				t.Errorf("%s example: %v\n%s\nwant %q and no error", tc.block, err, out, tc.want)
			}
		})
	}
}

// docBlock returns the fenced code block after the "<!-- test: name -->" marker of doc.
func docBlock(t *testing.T, doc, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "<!-- test: "+name+" -->\n```")
	if !ok {
		t.Fatalf("docs/serve-examples.md has no block marked %q", name)
	}
	_, rest, _ = strings.Cut(rest, "\n") // the fence's language
	block, _, ok := strings.Cut(rest, "\n```")
	if !ok {
		t.Fatalf("the %s block is not closed", name)
	}
	return block + "\n"
}
