package apitest_test

import (
	"fmt"
	"strings"
)

func sprintf(format string, v any) string { return fmt.Sprintf(format, v) }
func contains(s, sub string) bool         { return strings.Contains(s, sub) }
