package reqctx_test

import (
	"context"
	"testing"

	"github.com/cofferhq/coffer/internal/reqctx"
)

func TestWith(t *testing.T) {
	ctx := reqctx.With(context.Background(), "rid-1", "10.0.0.1:5000", "coffer-cli")
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"RequestID", reqctx.RequestID(ctx), "rid-1"},
		{"RemoteAddr", reqctx.RemoteAddr(ctx), "10.0.0.1:5000"},
		{"UserAgent", reqctx.UserAgent(ctx), "coffer-cli"},
		{"empty RequestID", reqctx.RequestID(context.Background()), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
