package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/cofferhq/coffer/internal/reqctx"
)

// RequestID returns the request id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string { return reqctx.RequestID(ctx) }

// RemoteAddr returns the network address the request came from, or "".
func RemoteAddr(ctx context.Context) string { return reqctx.RemoteAddr(ctx) }

// validRequestID accepts a caller's request id if it is short and plain.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// withRequestID gives every request an id (the caller's X-Request-Id or
// X-Correlation-Id when plain, otherwise a fresh one) and echoes it.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = r.Header.Get("X-Correlation-Id")
		}
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("X-Correlation-Id", id)
		ctx := reqctx.With(r.Context(), id, r.RemoteAddr, r.UserAgent())
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe recovers panics (answering 500 without leaking the panic value),
// counts requests and measures their latency by route pattern and status.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				// The panic value may hold request data; log only its type and the stack.
				s.log.Error("panic serving request", "request_id", RequestID(r.Context()),
					"path", r.URL.Path, "panic_type", fmt.Sprintf("%T", v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, fmt.Errorf("panic in handler"))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			code := strconv.Itoa(sw.status)
			s.metrics.requests.WithLabelValues(route, r.Method, code).Inc()
			s.metrics.latency.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// limitBody caps every request body; the JSON decoder turns an overrun into
// a 413 in the family's error shape.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.maxBody {
			s.writeError(w, r, &http.MaxBytesError{Limit: s.maxBody})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
		next.ServeHTTP(w, r)
	})
}
