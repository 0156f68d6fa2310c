package api

import "log/slog"

// Sensitive holds a secret value or a token. It prints as REDACTED in fmt and
// slog, so it can never leak through a log line or an error message by
// accident; Reveal returns the value for the code that must use it.
type Sensitive string

const redacted = "REDACTED"

// Reveal returns the value itself.
func (s Sensitive) Reveal() string { return string(s) }

func (s Sensitive) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (s Sensitive) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (s Sensitive) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText refuses to encode the value implicitly: a Sensitive that must
// go on the wire is revealed on purpose at that place.
func (s Sensitive) MarshalText() ([]byte, error) { return []byte(redacted), nil }
