package kms

import (
	"errors"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
)

func TestMasterKey(t *testing.T) {
	key, _ := envelope.NewKey()
	m, err := NewMasterKey(key.Encode() + "\n")
	if err != nil {
		t.Fatalf("NewMasterKey() error = %v", err)
	}
	if got := mustRootKey(t, m); got != key {
		t.Errorf("RootKey() = %s, want %s", got.ID(), key.ID())
	}
	if m.Name() != "master-key" {
		t.Errorf("Name() = %q, want master-key", m.Name())
	}
	if _, ok := Provider(m).(Rotator); ok {
		t.Errorf("MasterKey implements Rotator, want it not to (the operator supplies a new variable)")
	}
}

func TestMasterKeyRefusesBadValue(t *testing.T) {
	for _, v := range []string{"", "not-a-key-but-secret-looking", "c2hvcnQ="} {
		_, err := NewMasterKey(v)
		if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), "COFFER_MASTER_KEY") {
			t.Errorf("NewMasterKey(%q) error = %v, want api.ErrInvalid naming COFFER_MASTER_KEY", v, err)
		}
		if v != "" && strings.Contains(err.Error(), v) {
			t.Errorf("NewMasterKey error %q reveals the value", err)
		}
	}
}
