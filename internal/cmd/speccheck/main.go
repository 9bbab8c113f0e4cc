// Command speccheck refuses, before oapi-codegen runs (see gen.go's go:generate), every part of
// openapi.yaml that voxsip's generated code cannot handle, with one line per problem naming the
// operation, the parameter and the shape, so that an unsupported change fails go generate instead
// of a program at run time:
//
//	go run ./internal/cmd/speccheck openapi.yaml
//
// voxsip sends every input as a query parameter of type integer (no format, or int, int8 to
// int64, uint to uint64), number (no format, float or double), boolean or string (no format, password, or an enum), in
// form style. A list is a string with a pattern, since the API joins values with ";" and OpenAPI
// has no such style. It also checks that every pattern compiles as a Go regexp, that the
// x-voxsip-rules name parameters of their operation, and that the error-code enum's extensions
// line up. It is a build tool: no library package imports it.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/getkin/kin-openapi/openapi3"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: speccheck openapi.yaml")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1], os.Stderr))
}

// run checks the spec at path and prints each problem to w; it returns the exit status.
func run(path string, w io.Writer) int {
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		fmt.Fprintf(w, "speccheck: %s: %v\n", path, err)
		return 1
	}
	problems := Check(doc)
	for _, p := range problems {
		fmt.Fprintf(w, "%s: %s\n", path, p)
	}
	if len(problems) > 0 {
		return 1
	}
	return 0
}
