package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// trivial is the baseline: an HTTP server on loopback whose handler checks
// a bearer header and AES-256-GCM-decrypts a 64-byte payload, then answers
// it in JSON. It is what "as fast as a Go secrets server can be" means on
// this machine.
type trivial struct {
	srv    *http.Server
	base   string
	bearer string
}

func startTrivial() (*trivial, error) {
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	plain := make([]byte, 64)
	rand.Read(plain)
	sealed := aead.Seal(nil, nonce, plain, []byte("secret"))
	t := &trivial{bearer: "Bearer " + rand.Text()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/secrets/{id}", func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(t.bearer)) != 1 {
			http.Error(w, `{"errors":[{"code":"unauthenticated","message":"bad token"}]}`, http.StatusUnauthorized)
			return
		}
		p, err := aead.Open(nil, nonce, sealed, []byte("secret"))
		if err != nil {
			http.Error(w, "decrypt", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"id": r.PathValue("id"), "secret_type": "arbitrary",
			"payload": fmt.Sprintf("%x", p)})
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	t.base = "http://" + l.Addr().String()
	go t.srv.Serve(l)
	return t, nil
}

// target reads n different ids, like the Coffer run.
func (t *trivial) target(n int) target {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/api/v2/secrets/%08d-0000-4000-8000-%s", t.base, i, strings.Repeat("0", 12))
	}
	return target{urls: urls, bearer: t.bearer}
}

func (t *trivial) close() { t.srv.Close() }
