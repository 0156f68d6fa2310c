package kms

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

const shareAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

func TestEncodeDecodeShare(t *testing.T) {
	share := append([]byte{7}, randomSecret(t, 32)...)
	text := EncodeShare(share)
	if !strings.HasPrefix(text, "coffer-share-v1-") {
		t.Fatalf("EncodeShare() = %q, want the coffer-share-v1- prefix", text)
	}
	forms := map[string]string{
		"as is":       text,
		"upper case":  strings.ToUpper(text),
		"with spaces": " " + text[:20] + " " + text[20:40] + "\n" + text[40:] + "\t",
	}
	for name, in := range forms {
		got, err := DecodeShare(in)
		if err != nil || !bytes.Equal(got, share) {
			t.Errorf("%s: DecodeShare(EncodeShare(s)) = %x, %v; want %x", name, got, err, share)
		}
	}
}

func TestDecodeShareCatchesEveryTypo(t *testing.T) {
	share := append([]byte{3}, randomSecret(t, 32)...)
	text := EncodeShare(share)
	for i := len(sharePrefix); i < len(text); i++ {
		for _, c := range shareAlphabet {
			if byte(c) == text[i] {
				continue
			}
			typo := text[:i] + string(c) + text[i+1:]
			got, err := DecodeShare(typo)
			if err == nil && !bytes.Equal(got, share) {
				t.Fatalf("DecodeShare(typo at %d) = %x, nil; want an error", i, got)
			}
		}
	}
	for i := len(sharePrefix); i < len(text); i++ { // a dropped character
		if got, err := DecodeShare(text[:i] + text[i+1:]); err == nil {
			t.Fatalf("DecodeShare(character %d dropped) = %x, nil; want an error", i, got)
		}
	}
	// Two swapped neighbours.
	for i := len(sharePrefix); i+1 < len(text); i++ {
		if text[i] == text[i+1] {
			continue
		}
		swapped := text[:i] + text[i+1:i+2] + text[i:i+1] + text[i+2:]
		if got, err := DecodeShare(swapped); err == nil && !bytes.Equal(got, share) {
			t.Fatalf("DecodeShare(characters %d, %d swapped) = %x, nil; want an error", i, i+1, got)
		}
	}
}

func TestDecodeShareErrors(t *testing.T) {
	valid := EncodeShare(append([]byte{1}, randomSecret(t, 32)...))
	body := strings.TrimPrefix(valid, sharePrefix)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "not a Coffer share"},
		{"no prefix", body, "not a Coffer share"},
		{"other version", "coffer-share-v2-" + body, "unsupported share version"},
		{"bad character", sharePrefix + "1" + body[1:], "invalid character"},
		{"checksum", sharePrefix + body[:len(body)-2] + flip(body[len(body)-2]) + body[len(body)-1:], "checksum"},
		{"too short", EncodeShare([]byte{1}), "too short"},
		{"point zero", EncodeShare([]byte{0, 1, 2}), "point 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeShare(tt.in)
			if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("DecodeShare(%q) = %x, %v; want an api.ErrInvalid error saying %q", tt.in, got, err, tt.want)
			}
			if len(body) > 8 && strings.Contains(err.Error(), body[:8]) {
				t.Errorf("DecodeShare error %q repeats the share", err)
			}
		})
	}
}

// flip returns another character of the share alphabet.
func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

func FuzzDecodeShare(f *testing.F) {
	f.Add(EncodeShare([]byte{1, 2, 3}))
	f.Add("coffer-share-v1-")
	f.Add("coffer-share-v9-aaaa")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		share, err := DecodeShare(s)
		if err != nil {
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("DecodeShare(%q) error = %v, want api.ErrInvalid", s, err)
			}
			return
		}
		if len(share) < 2 || share[0] == 0 {
			t.Fatalf("DecodeShare(%q) = %x, an invalid share without error", s, share)
		}
		again, err := DecodeShare(EncodeShare(share))
		if err != nil || !bytes.Equal(again, share) {
			t.Fatalf("DecodeShare(EncodeShare(%x)) = %x, %v", share, again, err)
		}
	})
}
