package server

import (
	"io"
	"time"
)

// PrintBanner exposes the start-up banner to tests.
func PrintBanner(s *Server, w io.Writer) { s.printBanner(w, time.Millisecond) }
