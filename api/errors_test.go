package api

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindOf(t *testing.T) {
	for _, k := range Kinds {
		wrapped := fmt.Errorf("secret x: %w", k)
		if got := KindOf(wrapped); got != k {
			t.Errorf("KindOf(wrapped %s) = %v, want %v", k.Code, got, k)
		}
		e := Errorf(k, "boom %d", 1)
		if !errors.Is(e, k) || KindOf(e) != k {
			t.Errorf("Errorf(%s) does not wrap its kind", k.Code)
		}
		if KindByCode(k.Code) != k {
			t.Errorf("KindByCode(%q) = %v", k.Code, KindByCode(k.Code))
		}
	}
	if KindOf(errors.New("driver exploded")) != ErrInternal {
		t.Error("an unknown error must be internal")
	}
	if got := Message(errors.New("driver said password=hunter2")); got != "internal error" {
		t.Errorf("Message(internal) = %q, want %q", got, "internal error")
	}
}
