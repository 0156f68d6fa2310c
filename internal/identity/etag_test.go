package identity

import (
	"errors"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

func TestEntityTag(t *testing.T) {
	a := entityTag(2, struct{ Name string }{"x"})
	if !strings.HasPrefix(a, "2-") || len(a) != len("2-")+32 {
		t.Errorf("entityTag = %q, want 2-<32 hex>", a)
	}
	if b := entityTag(2, struct{ Name string }{"y"}); b == a {
		t.Errorf("entityTag of different values = %q for both", a)
	}
	if c := entityTag(3, struct{ Name string }{"x"}); c == a {
		t.Errorf("entityTag of different revisions = %q for both", a)
	}
}

func TestCheckIfMatch(t *testing.T) {
	const cur = "2-abc"
	tests := []struct {
		ifMatch string
		want    error // nil or an api kind
	}{
		{"", api.ErrInvalid},
		{"*", nil},
		{cur, nil},
		{`"2-abc"`, nil},
		{`W/"2-abc"`, nil},
		{"1-abc", api.ErrConflict},
		{"2-abd", api.ErrConflict},
	}
	for _, tc := range tests {
		err := checkIfMatch(tc.ifMatch, cur)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("checkIfMatch(%q, %q) = %v, want %v", tc.ifMatch, cur, err, tc.want)
		}
	}
	var e *api.Error
	if err := checkIfMatch("", cur); !errors.As(err, &e) || e.Code != "BXNIM0109E" {
		t.Errorf("checkIfMatch(\"\") = %v, want code BXNIM0109E", err)
	}
}
