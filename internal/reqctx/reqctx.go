// Package reqctx carries a request's metadata in its context: the request
// id, the address it came from and its User-Agent. The HTTP layer sets them
// once per request; the authorization gate reads them for the audit trail.
// It holds only metadata, never a dependency or the caller's identity (those
// are explicit parameters), and imports nothing of Coffer, so that both
// sides can use it.
package reqctx

import "context"

type key int

const (
	requestIDKey key = iota
	remoteAddrKey
	userAgentKey
)

// With returns ctx carrying a request's id, remote address and User-Agent.
func With(ctx context.Context, requestID, remoteAddr, userAgent string) context.Context {
	ctx = context.WithValue(ctx, requestIDKey, requestID)
	ctx = context.WithValue(ctx, remoteAddrKey, remoteAddr)
	return context.WithValue(ctx, userAgentKey, userAgent)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string { return value(ctx, requestIDKey) }

// RemoteAddr returns the network address the request came from, or "".
func RemoteAddr(ctx context.Context) string { return value(ctx, remoteAddrKey) }

// UserAgent returns the request's User-Agent header, or "".
func UserAgent(ctx context.Context) string { return value(ctx, userAgentKey) }

func value(ctx context.Context, k key) string {
	s, _ := ctx.Value(k).(string)
	return s
}
