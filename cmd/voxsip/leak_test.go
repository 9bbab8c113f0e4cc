package main

import (
	"testing"

	"github.com/voxsip/voxsip/internal/testutil"
)

// TestMain fails the package if any goroutine (batch workers, dispatchers) outlives the tests.
func TestMain(m *testing.M) { testutil.MainNoLeaks(m) }
