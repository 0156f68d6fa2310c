package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSensitiveNeverPrints(t *testing.T) {
	const value = "s3cr3t-value"
	s := Sensitive(value)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "token", s)
	j, _ := json.Marshal(struct{ T Sensitive }{s})
	outs := []string{fmt.Sprint(s), fmt.Sprintf("%v %s %+v %#v %q", s, s, s, s, s), buf.String(), string(j)}
	for _, out := range outs {
		if strings.Contains(out, value) {
			t.Errorf("output %q reveals the value", out)
		}
	}
	if s.Reveal() != value {
		t.Errorf("Reveal() = %q, want %q", s.Reveal(), value)
	}
}
