package secrettype

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/cofferhq/coffer/api"
)

// Password generation policy limits and defaults (IBM's).
const (
	MinPasswordLength     = 12
	MaxPasswordLength     = 256
	DefaultPasswordLength = 32
	MaxUsernameLength     = 256
)

// Character classes of generated passwords. Lowercase letters are always
// used; the others follow the policy.
const (
	lowerChars  = "abcdefghijklmnopqrstuvwxyz"
	upperChars  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digitChars  = "0123456789"
	symbolChars = "!#$%&()*+-.:;<=>?@[]^_{|}~"
)

// UsernamePassword is the username_password secret type. Its payload holds
// the username and the password; a password is generated from the
// password_generation_policy when the prototype has none.
type UsernamePassword struct{}

type upPayload struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Name returns "username_password".
func (UsernamePassword) Name() string { return api.SecretTypeUsernamePassword }

// Create requires a username; it validates or generates the password and
// the rotation policy. The effective policy (defaults filled in) is returned
// in Version.PasswordPolicy.
func (UsernamePassword) Create(_ context.Context, p *api.SecretPrototype, env Env) (*Version, error) {
	if err := ValidateCommon(p, env); err != nil {
		return nil, err
	}
	if p.Username == "" || len(p.Username) > MaxUsernameLength || !utf8.ValidString(p.Username) {
		return nil, invalid("username is required and must be at most %d bytes of UTF-8", MaxUsernameLength)
	}
	if err := ValidateRotation(p.Rotation); err != nil {
		return nil, err
	}
	policy, err := mergePolicy(nil, p.PasswordGenerationPolicy)
	if err != nil {
		return nil, err
	}
	v, err := upVersion(p.Username, p.Password, policy, env)
	if err != nil {
		return nil, err
	}
	v.ExpirationDate, v.PasswordPolicy = p.ExpirationDate.Time, policy
	return v, nil
}

// NewVersion keeps the current username and takes the given password or
// generates one from the secret's policy. cur.Payload is required.
func (UsernamePassword) NewVersion(_ context.Context, p *api.SecretVersionPrototype, cur Current, env Env) (*Version, error) {
	if err := validateVersionCommon(p); err != nil {
		return nil, err
	}
	var old upPayload
	if err := decodeJSONPayload(cur.Payload, &old); err != nil {
		return nil, err
	}
	var policy *api.PasswordGenerationPolicy
	if cur.Metadata != nil {
		policy = cur.Metadata.PasswordGenerationPolicy
	}
	policy, err := mergePolicy(nil, policy)
	if err != nil {
		return nil, err
	}
	v, err := upVersion(old.Username, p.Password, policy, env)
	if err != nil {
		return nil, err
	}
	if cur.Metadata != nil {
		v.ExpirationDate = cur.Metadata.ExpirationDate.Time
	}
	return v, nil
}

func upVersion(username string, password api.SecretString, policy *api.PasswordGenerationPolicy, env Env) (*Version, error) {
	pw := password.Reveal()
	if pw == "" {
		var err error
		if pw, err = GeneratePassword(policy, env.Rand); err != nil {
			return nil, err
		}
	} else if !utf8.ValidString(pw) {
		return nil, invalid("password must be valid UTF-8")
	}
	if err := ValidatePayloadSize(len(username)+len(pw), env); err != nil {
		return nil, err
	}
	b, err := encodeJSONPayload(upPayload{Username: username, Password: pw})
	if err != nil {
		return nil, err
	}
	return &Version{Payload: b}, nil
}

// Render sets Username and Password.
func (UsernamePassword) Render(payload []byte, into *api.SecretData) error {
	var p upPayload
	if err := decodeJSONPayload(payload, &p); err != nil {
		return err
	}
	into.Username, into.Password = p.Username, api.SecretString(p.Password)
	return nil
}

// mergePolicy returns base with the fields of patch applied and defaults
// filled in (length 32, every class included), after checking the length.
func mergePolicy(base, patch *api.PasswordGenerationPolicy) (*api.PasswordGenerationPolicy, error) {
	l, yes := int64(DefaultPasswordLength), true
	out := api.PasswordGenerationPolicy{Length: &l, IncludeDigits: &yes, IncludeSymbols: &yes, IncludeUppercase: &yes}
	for _, p := range []*api.PasswordGenerationPolicy{base, patch} {
		if p == nil {
			continue
		}
		out.Length = or(p.Length, out.Length)
		out.IncludeDigits = or(p.IncludeDigits, out.IncludeDigits)
		out.IncludeSymbols = or(p.IncludeSymbols, out.IncludeSymbols)
		out.IncludeUppercase = or(p.IncludeUppercase, out.IncludeUppercase)
	}
	if n := *out.Length; n < MinPasswordLength || n > MaxPasswordLength {
		return nil, invalid("password_generation_policy.length must be %d to %d", MinPasswordLength, MaxPasswordLength)
	}
	return &out, nil
}

func or[T any](p, def *T) *T {
	if p != nil {
		v := *p
		return &v
	}
	return def
}

// GeneratePassword returns a password following policy (a nil policy means
// the defaults), drawn uniformly from rand: every character is chosen
// without modulo bias, and the password holds at least one character of
// every class the policy includes (passwords missing one are drawn again).
func GeneratePassword(policy *api.PasswordGenerationPolicy, rand io.Reader) (string, error) {
	if rand == nil {
		return "", fmt.Errorf("password generation: no source of randomness: %w", api.ErrInternal)
	}
	policy, err := mergePolicy(nil, policy)
	if err != nil {
		return "", err
	}
	classes := []string{lowerChars}
	if *policy.IncludeUppercase {
		classes = append(classes, upperChars)
	}
	if *policy.IncludeDigits {
		classes = append(classes, digitChars)
	}
	if *policy.IncludeSymbols {
		classes = append(classes, symbolChars)
	}
	alphabet := strings.Join(classes, "")
	for range 1000 {
		pw, err := drawPassword(alphabet, int(*policy.Length), rand)
		if err != nil {
			return "", err
		}
		if hasAll(pw, classes) {
			return pw, nil
		}
	}
	return "", fmt.Errorf("password generation failed: %w", api.ErrInternal)
}

func drawPassword(alphabet string, n int, rand io.Reader) (string, error) {
	limit := 256 - 256%len(alphabet) // bytes at or above limit would bias the draw
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return "", fmt.Errorf("password generation: reading randomness: %w", api.ErrInternal)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

func hasAll(pw string, classes []string) bool {
	for _, c := range classes {
		if !strings.ContainsAny(pw, c) {
			return false
		}
	}
	return true
}
