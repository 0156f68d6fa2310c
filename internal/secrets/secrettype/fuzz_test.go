package secrettype

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cofferhq/coffer/api"
)

func FuzzParseCertificateBundle(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), []byte(""), []byte("-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("garbage"), []byte("x"), []byte("y"))
	f.Fuzz(func(t *testing.T, cert, inter, key []byte) {
		info, err := ParseCertificateBundle(cert, inter, key, now)
		if err != nil && !errors.Is(err, api.ErrInvalid) {
			t.Fatalf("ParseCertificateBundle error %v does not wrap ErrInvalid", err)
		}
		if err == nil && info == nil {
			t.Fatal("nil info without error")
		}
	})
}

func FuzzKVPayload(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":{"b":[1,2,{"c":null}]}}`, `[]`, `"x"`, `1e999`, `{"a":[1e999]}`, `{"a":1}{}`, `{"a":1.000000000000000000001}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		canon, err := CanonicalKV(data, testEnv())
		if err != nil {
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("CanonicalKV error %v does not wrap ErrInvalid", err)
			}
			return
		}
		var obj map[string]any
		if json.Unmarshal(canon, &obj) != nil || obj == nil {
			t.Fatalf("canonical form %q is not a JSON object", canon)
		}
		again, err := CanonicalKV(canon, testEnv())
		if err != nil || !bytes.Equal(again, canon) {
			t.Fatalf("canonical form is not stable: %q -> %q, %v", canon, again, err)
		}
	})
}

func FuzzTTL(f *testing.F) {
	for _, s := range []string{"3600", "24h", "90d", "1m30s", "-1", "0", "9223372036854775807", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseTTL(s)
		if err != nil {
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("ParseTTL(%q) error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if d <= 0 {
			t.Fatalf("ParseTTL(%q) = %v, want positive", s, d)
		}
	})
}
