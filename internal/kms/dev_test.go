package kms

import "testing"

func TestDevKeysDiffer(t *testing.T) {
	a, b := mustRootKey(t, NewDev()), mustRootKey(t, NewDev())
	if a == b {
		t.Errorf("two Dev providers share the key %s", a.ID())
	}
}
