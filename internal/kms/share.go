package kms

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"unicode"

	"github.com/cofferhq/coffer/api"
)

// Share text format, version 1, what operators copy, store and type:
//
//	"coffer-share-v1-" || base32(share || checksum)
//
// where base32 is RFC 4648's alphabet in lower case without padding, share
// is the binary share (x || y...) and checksum is the first 4 bytes of
// SHA-256("coffer-share-v1" || share). DecodeShare ignores white space and
// letter case, so a share may be written in groups or in capitals; any
// mistyped character is caught by the checksum (a wrong character goes
// undetected with probability 2^-32) instead of yielding a wrong key.
const (
	sharePrefix   = "coffer-share-v1-"
	shareFamily   = "coffer-share-"
	checksumLabel = "coffer-share-v1"
	checksumSize  = 4
)

var shareEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// EncodeShare returns the text form of a binary share (see the format above).
// The text is as secret as the share.
func EncodeShare(share []byte) string {
	return sharePrefix + shareEncoding.EncodeToString(append(append([]byte{}, share...), shareChecksum(share)...))
}

// DecodeShare parses the text form made by EncodeShare and returns the
// binary share. Errors wrap api.ErrInvalid, say what is wrong (not a share,
// another version, a character outside the alphabet, a checksum mismatch
// meaning a typo) and never repeat the share.
func DecodeShare(s string) ([]byte, error) {
	s = strings.ToLower(strings.Map(dropSpace, s))
	body, ok := strings.CutPrefix(s, sharePrefix)
	if !ok {
		if strings.HasPrefix(s, shareFamily) {
			return nil, fmt.Errorf("kms: unsupported share version (this Coffer reads %q shares): %w", sharePrefix, api.ErrInvalid)
		}
		return nil, fmt.Errorf("kms: not a Coffer share (a share starts with %q): %w", sharePrefix, api.ErrInvalid)
	}
	raw, err := shareEncoding.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("kms: share has an invalid character or length (the part after the prefix is %d characters of a-z and 2-7): %w", len(body), api.ErrInvalid)
	}
	if len(raw) < 2+checksumSize {
		return nil, fmt.Errorf("kms: share is too short (%d characters after the prefix): %w", len(body), api.ErrInvalid)
	}
	share, sum := raw[:len(raw)-checksumSize], raw[len(raw)-checksumSize:]
	if !bytes.Equal(sum, shareChecksum(share)) {
		clear(raw)
		return nil, fmt.Errorf("kms: share checksum does not match: a character was mistyped or lost: %w", api.ErrInvalid)
	}
	if share[0] == 0 {
		return nil, fmt.Errorf("kms: share has point 0, which no share uses: %w", api.ErrInvalid)
	}
	return share, nil
}

func shareChecksum(share []byte) []byte {
	h := sha256.New()
	h.Write([]byte(checksumLabel))
	h.Write(share)
	return h.Sum(nil)[:checksumSize]
}

func dropSpace(r rune) rune {
	if unicode.IsSpace(r) {
		return -1
	}
	return r
}
