package testutil

import "testing"

func TestRSAKeyIsSharedAndSound(t *testing.T) {
	a, b := RSAKey(t), RSAKey(t)
	if a != b {
		t.Error("RSAKey generated a second key")
	}
	if n := a.N.BitLen(); n != 2048 {
		t.Errorf("key has %d bits, want 2048", n)
	}
	if err := a.Validate(); err != nil {
		t.Errorf("key does not validate: %v", err)
	}
}
