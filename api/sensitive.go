package api

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

// secretWords are the last words of field names that name a secret value;
// secretPairs are two-word endings that do.
var (
	secretWords = map[string]bool{"password": true, "passwd": true, "passphrase": true, "apikey": true,
		"token": true, "secret": true, "payload": true, "privatekey": true, "credential": true, "credentials": true}
	secretPairs = map[string]bool{"private key": true, "api key": true, "secret key": true, "access key": true,
		"signing key": true, "root key": true, "data key": true}
)

// SecretName reports whether a field name names a secret value: its last
// word (of "snake_case", "kebab-case", "dotted.name" or "camelCase") is
// password, token, secret, payload, credentials…, or its last two words are
// "private key", "api key"…, or its last word is one of extra. So
// "client_secret", "accessToken" and "private_key" name secrets, while
// "secret_id", "token_type" and "api_key_id" (identifiers) do not. Audit
// events and event notifications refuse such fields.
func SecretName(name string, extra ...string) bool {
	if len(extra) > 0 {
		return secretName(name, extra)
	}
	if v, ok := secretNames.Load(name); ok {
		return v.(bool)
	}
	v := secretName(name, nil)
	if secretNamesHeld.Load() < maxSecretNames {
		if _, loaded := secretNames.LoadOrStore(name, v); !loaded {
			secretNamesHeld.Add(1)
		}
	}
	return v
}

// secretNames remembers SecretName's answers without extra words: the
// names it is asked about are field names chosen by code, a small set, and
// it is asked on every audited request. It holds at most maxSecretNames.
var (
	secretNames     sync.Map // string -> bool
	secretNamesHeld atomic.Int64
)

const maxSecretNames = 4096

func secretName(name string, extra []string) bool {
	w := nameWords(name)
	if len(w) == 0 {
		return false
	}
	last := w[len(w)-1]
	if secretWords[last] || len(w) >= 2 && secretPairs[w[len(w)-2]+" "+last] {
		return true
	}
	for _, e := range extra {
		if last == e {
			return true
		}
	}
	return false
}

// nameWords splits a field name into lower-case words at non-alphanumerics
// and at lower-to-upper case changes.
func nameWords(k string) []string {
	var out []string
	var cur strings.Builder
	prevLower := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range k {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		cur.WriteRune(unicode.ToLower(r))
	}
	flush()
	return out
}

// SecretShaped reports whether a value has the shape of a credential: a
// word shaped like a JWT ("eyJ<header>.<claims>.<signature>", such as an
// IAM access token), a PEM block, or a webhook signing secret ("whsec_").
func SecretShaped(v string) bool {
	if strings.Contains(v, "-----BEGIN") || strings.Contains(v, "whsec_") {
		return true
	}
	if !strings.Contains(v, "eyJ") {
		return false
	}
	split := func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(`"',;:=`, r) }
	for _, w := range strings.FieldsFunc(v, split) {
		if strings.HasPrefix(w, "eyJ") && strings.Count(w, ".") == 2 && len(w) > 20 {
			return true
		}
	}
	return false
}
