package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
)

// Sink receives committed events, in commit order, after they are in the
// database. A Sink is called from one goroutine of the log at a time. An
// error is logged and counted (Stats.SinkFailures) and fails nothing: the
// database is the record of truth. A Sink that is also an io.Closer is
// closed by Log.Close.
type Sink interface {
	WriteEvents(events []Event) error
}

// JSONLinesSink writes each event as one JSON object (the wire shape
// api.AuditEvent, hash included) followed by a newline. Each batch is one
// Write call on the underlying writer, so that appends from several
// processes to one O_APPEND file do not interleave within a batch smaller
// than the system's atomic-append size.
type JSONLinesSink struct {
	mu sync.Mutex
	w  io.Writer
	c  io.Closer // the file OpenFileSink opened; nil when the caller owns w
}

// NewJSONLinesSink returns a sink writing JSON lines to w (such as
// os.Stdout). The caller keeps ownership of w: Close does not close it.
func NewJSONLinesSink(w io.Writer) *JSONLinesSink {
	return &JSONLinesSink{w: w}
}

// OpenFileSink opens (creating it with mode 0600 if needed) the file at path
// for appending and returns a JSONLinesSink writing to it; Close closes the
// file. An existing file keeps its mode. Errors are those of os.OpenFile.
func OpenFileSink(path string) (*JSONLinesSink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: open sink file: %w", err)
	}
	return &JSONLinesSink{w: f, c: f}, nil
}

// WriteEvents writes events as JSON lines in one Write call.
func (s *JSONLinesSink) WriteEvents(events []Event) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range events {
		if err := enc.Encode(events[i].Wire()); err != nil {
			return fmt.Errorf("audit: encode event %d: %w", events[i].ID, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("audit: write events %d-%d: %w", events[0].ID, events[len(events)-1].ID, err)
	}
	return nil
}

// Close closes the file opened by OpenFileSink; for a sink made by
// NewJSONLinesSink it does nothing.
func (s *JSONLinesSink) Close() error {
	if s.c == nil {
		return nil
	}
	return s.c.Close()
}

// toSinks queues a committed batch for the sinks, or drops it (and counts
// it) when they have fallen too far behind.
func (l *Log) toSinks(events []Event) {
	if len(l.sinks) == 0 {
		return
	}
	select {
	case l.sinkq <- events:
	default:
		l.stats.sinkDropped.Add(1)
		l.log.Warn("audit: sinks fell behind; batch dropped for them", "first", events[0].ID, "count", len(events))
	}
}

// runSinks writes every queued batch to every sink until sinkq is closed.
func (l *Log) runSinks(done chan<- struct{}) {
	defer close(done)
	for events := range l.sinkq {
		for i, s := range l.sinks {
			if err := s.WriteEvents(events); err != nil {
				l.stats.sinkFailures.Add(1)
				l.log.Error("audit: sink failed", "sink", i, "first", events[0].ID, "count", len(events), "err", err)
			}
		}
	}
}
