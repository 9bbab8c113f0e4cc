package apitest_test

import (
	"testing"

	"github.com/voxsip/voxsip/internal/testutil"
)

func TestMain(m *testing.M) { testutil.MainNoLeaks(m) }
