package audit_test

import (
	"context"
	"testing"

	"github.com/cofferhq/coffer/internal/audit"
)

// benchLog returns a running log on a fresh database of backend b.
func benchLog(b *testing.B, be backend) *audit.Log {
	b.Helper()
	return startLog(b, audit.Config{Store: openStore(b, be.url(b))})
}

// BenchmarkAppend writes events one after another from one writer: each
// Write is its own commit.
func BenchmarkAppend(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			l := benchLog(b, be)
			e := event(1)
			ctx := context.Background()
			for b.Loop() {
				if err := l.Write(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, l)
		})
	}
}

// BenchmarkAppendParallel writes from 16 goroutines per CPU at once, so
// that group commit shares transactions.
func BenchmarkAppendParallel(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			l := benchLog(b, be)
			e := event(1)
			ctx := context.Background()
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := l.Write(ctx, e); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportRate(b, l)
		})
	}
}

// reportRate reports events per second and events per transaction.
func reportRate(b *testing.B, l *audit.Log) {
	st := l.Stats()
	b.ReportMetric(float64(st.Events)/b.Elapsed().Seconds(), "events/s")
	if st.Commits > 0 {
		b.ReportMetric(float64(st.Events)/float64(st.Commits), "events/commit")
	}
}
