package main

import (
	"os"
	"testing"

	"github.com/voxsip/voxsip/internal/testutil"
)

// envRunMain makes the test binary run voxsip's main instead of the tests: for tests that need
// the real process (its signals, its standard streams).
const envRunMain = "VOXSIP_TEST_RUN_MAIN"

// TestMain fails the package if any goroutine (batch senders, feeders) outlives the tests;
// with envRunMain set it is voxsip.
func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		main()
		return
	}
	testutil.MainNoLeaks(m)
}
