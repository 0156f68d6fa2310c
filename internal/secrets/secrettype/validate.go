package secrettype

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cofferhq/coffer/api"
)

// Limits of the rules every type shares (IBM's).
const (
	MinNameLength        = 2
	MaxNameLength        = 256
	MaxLabels            = 30
	MinLabelLength       = 2
	MaxLabelLength       = 64
	MaxDescriptionLength = 1024
	MaxCustomMetadata    = 64 << 10 // bytes of custom_metadata JSON
)

func invalid(format string, args ...any) error { return api.Errorf(api.ErrInvalid, format, args...) }

// ValidateName checks a secret name: 2 to 256 characters, ASCII letters,
// digits, "-", "_" and ".", starting and ending with a letter or a digit.
func ValidateName(name string) error {
	if n := len(name); n < MinNameLength || n > MaxNameLength {
		return invalid("name must be %d to %d characters long", MinNameLength, MaxNameLength)
	}
	for i, r := range name {
		alnum := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		edge := i == 0 || i == len(name)-1
		if !alnum && (edge || !strings.ContainsRune("-_.", r)) {
			return invalid("name may contain only letters, digits, '-', '_' and '.', and must start and end with a letter or a digit")
		}
	}
	return nil
}

// ValidateLabels checks labels: at most 30, each 2 to 64 characters without
// control characters.
func ValidateLabels(labels []string) error {
	if len(labels) > MaxLabels {
		return invalid("labels: at most %d labels are allowed", MaxLabels)
	}
	for i, l := range labels {
		if n := utf8.RuneCountInString(l); n < MinLabelLength || n > MaxLabelLength || !utf8.ValidString(l) {
			return invalid("labels[%d] must be %d to %d characters long", i, MinLabelLength, MaxLabelLength)
		}
		if strings.IndexFunc(l, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			return invalid("labels[%d] must not contain control characters", i)
		}
	}
	return nil
}

// ValidateDescription checks a description: at most 1024 characters, none
// of them NUL.
func ValidateDescription(d string) error {
	if utf8.RuneCountInString(d) > MaxDescriptionLength {
		return invalid("description must be at most %d characters long", MaxDescriptionLength)
	}
	if strings.IndexByte(d, 0) >= 0 {
		return invalid("description must not contain NUL characters")
	}
	return nil
}

// ValidateCustomMetadata checks a custom_metadata or version_custom_metadata
// object named field: keys are non-empty and the JSON is at most 64 KiB.
func ValidateCustomMetadata(field string, m map[string]any) error {
	for k := range m {
		if k == "" {
			return invalid("%s must not have an empty key", field)
		}
	}
	if b, err := json.Marshal(m); err != nil || len(b) > MaxCustomMetadata {
		return invalid("%s must be a JSON object of at most %d bytes", field, MaxCustomMetadata)
	}
	return nil
}

// ValidateExpiration checks that an expiration_date, when given, is after now.
func ValidateExpiration(t api.SecretsTime, now time.Time) error {
	if !t.IsZero() && !t.After(now) {
		return invalid("expiration_date must be in the future")
	}
	return nil
}

// ValidatePayloadSize refuses a payload of more than env's limit.
func ValidatePayloadSize(n int, env Env) error {
	if n > env.maxPayload() {
		return invalid("payload too large: %d bytes, the limit is %d", n, env.maxPayload())
	}
	return nil
}

// ValidateCommon checks the fields every create prototype shares: name,
// description, labels, custom metadata, version custom metadata and
// expiration_date.
func ValidateCommon(p *api.SecretPrototype, env Env) error {
	if err := ValidateName(p.Name); err != nil {
		return err
	}
	if err := ValidateDescription(p.Description); err != nil {
		return err
	}
	if err := ValidateLabels(p.Labels); err != nil {
		return err
	}
	if err := ValidateCustomMetadata("custom_metadata", p.CustomMetadata); err != nil {
		return err
	}
	if err := ValidateCustomMetadata("version_custom_metadata", p.VersionCustomMetadata); err != nil {
		return err
	}
	return ValidateExpiration(p.ExpirationDate, env.Now)
}

// validateVersionCommon checks the metadata objects of a version prototype.
func validateVersionCommon(p *api.SecretVersionPrototype) error {
	if err := ValidateCustomMetadata("custom_metadata", p.CustomMetadata); err != nil {
		return err
	}
	return ValidateCustomMetadata("version_custom_metadata", p.VersionCustomMetadata)
}

// Rotation interval limits per unit.
const (
	MaxRotationDays   = 365
	MaxRotationMonths = 12
)

// ValidateRotation checks a rotation policy: with auto_rotate, interval is
// 1 to 365 days or 1 to 12 months (unit "day" or "month"); without it,
// interval and unit may be omitted but must be valid when given. A nil
// policy is valid.
func ValidateRotation(r *api.RotationPolicy) error {
	if r == nil || (!r.AutoRotate && r.Interval == 0 && r.Unit == "") {
		return nil
	}
	switch r.Unit {
	case "day":
		if r.Interval < 1 || r.Interval > MaxRotationDays {
			return invalid("rotation.interval must be 1 to %d days", MaxRotationDays)
		}
	case "month":
		if r.Interval < 1 || r.Interval > MaxRotationMonths {
			return invalid("rotation.interval must be 1 to %d months", MaxRotationMonths)
		}
	default:
		return invalid(`rotation.unit must be "day" or "month"`)
	}
	return nil
}

// NextRotation returns when a secret with policy r, rotated at t, rotates
// next, or the zero time when it does not rotate automatically.
func NextRotation(r *api.RotationPolicy, t time.Time) time.Time {
	if r == nil || !r.AutoRotate || r.Interval < 1 {
		return time.Time{}
	}
	if r.Unit == "month" {
		return t.AddDate(0, int(r.Interval), 0)
	}
	return t.AddDate(0, 0, int(r.Interval))
}

// TTL limits per type.
const (
	MinIAMTTL         = time.Minute
	MinCredentialsTTL = 24 * time.Hour
	MaxTTL            = 90 * 24 * time.Hour
)

// ParseTTL parses a ttl string: integer seconds ("3600"), a Go duration
// ("24h", "1440m") or whole days ("90d"). The result is positive; other
// input is an error wrapping api.ErrInvalid.
func ParseTTL(s string) (time.Duration, error) {
	bad := invalid(`ttl %q must be seconds ("3600"), a duration ("24h") or days ("90d")`, truncate(s, 32))
	if s == "" || len(s) > 32 {
		return 0, bad
	}
	var d time.Duration
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > int64(MaxTTL/time.Second)*10 {
			return 0, bad
		}
		d = time.Duration(n) * time.Second
	} else if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n > 36500 {
			return 0, bad
		}
		d = time.Duration(n) * 24 * time.Hour
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, bad
	}
	if d <= 0 {
		return 0, invalid("ttl must be positive")
	}
	return d, nil
}

// ValidateTTL parses s with ParseTTL and checks min <= ttl <= max.
func ValidateTTL(s string, min, max time.Duration) (time.Duration, error) {
	d, err := ParseTTL(s)
	if err != nil {
		return 0, err
	}
	if d < min || d > max {
		return 0, invalid("ttl must be between %s and %s", fmtDuration(min), fmtDuration(max))
	}
	return d, nil
}

func fmtDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// encodeJSONPayload returns the format byte followed by v's JSON.
func encodeJSONPayload(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode payload: %w", api.ErrInternal)
	}
	return append([]byte{payloadFormat}, b...), nil
}

// decodeJSONPayload decodes a payload encodeJSONPayload produced.
func decodeJSONPayload(payload []byte, v any) error {
	if len(payload) == 0 || payload[0] != payloadFormat || json.Unmarshal(payload[1:], v) != nil {
		return fmt.Errorf("malformed stored payload: %w", api.ErrInternal)
	}
	return nil
}
