package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSecretStringAndJSONRedact(t *testing.T) {
	const value = "s3cr3t-value"
	for _, v := range []any{SecretString(value), SecretJSON(`{"p":"` + value + `"}`)} {
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		outs := []string{fmt.Sprint(v), fmt.Sprintf("%v %s %+v %#v %q %x %X %10s", v, v, v, v, v, v, v, v), buf.String(),
			fmt.Sprintf("%+v", struct{ V any }{v}), fmt.Sprintf("%v", Secret{SecretData: SecretData{Payload: value, Data: SecretJSON(value)}})}
		for _, out := range outs {
			if strings.Contains(out, value) || strings.Contains(out, fmt.Sprintf("%x", value)) {
				t.Errorf("%T output %q reveals the value", v, out)
			}
		}
		j, err := json.Marshal(struct{ V any }{v})
		if err != nil || !strings.Contains(string(j), value) {
			t.Errorf("json.Marshal(%T) = %s, %v; want the value in clear", v, j, err)
		}
	}
}

func TestSecretJSONRoundTrip(t *testing.T) {
	var p struct {
		D SecretJSON `json:"d"`
		E SecretJSON `json:"e,omitempty"`
	}
	if err := json.Unmarshal([]byte(`{"d":{"a":[1,2]},"e":null}`), &p); err != nil {
		t.Fatal(err)
	}
	if string(p.D.Reveal()) != `{"a":[1,2]}` || p.E != nil {
		t.Errorf("decoded D=%s E=%s", p.D.Reveal(), p.E.Reveal())
	}
	b, _ := json.Marshal(p)
	if string(b) != `{"d":{"a":[1,2]}}` {
		t.Errorf("json.Marshal = %s", b)
	}
}

func TestSecretsTime(t *testing.T) {
	tm := NewSecretsTime(time.Date(2030, 1, 2, 3, 4, 5, 678_901_234, time.FixedZone("x", 3600)))
	b, _ := json.Marshal(tm)
	if got, want := string(b), `"2030-01-02T02:04:05.678Z"`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	for _, in := range []string{`"2030-10-05T11:49:42.000Z"`, `"2030-10-05T11:49:42Z"`, `"2030-10-05T13:49:42.000000+02:00"`} {
		var got SecretsTime
		if err := json.Unmarshal([]byte(in), &got); err != nil || !got.Equal(time.Date(2030, 10, 5, 11, 49, 42, 0, time.UTC)) {
			t.Errorf("Unmarshal(%s) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{`"2030-10-05"`, `12`, `"yesterday"`} {
		var got SecretsTime
		if err := json.Unmarshal([]byte(in), &got); !errors.Is(err, ErrInvalid) {
			t.Errorf("Unmarshal(%s) = %v, want ErrInvalid", in, err)
		}
	}
	var s struct {
		T SecretsTime `json:"t,omitzero"`
	}
	if b, _ := json.Marshal(s); string(b) != `{}` {
		t.Errorf("zero time with omitzero = %s, want {}", b)
	}
}

func TestListNeverNull(t *testing.T) {
	b, _ := json.Marshal(SecretGroupList{})
	if got, want := string(b), `{"secret_groups":[],"total_count":0}`; got != want {
		t.Errorf("Marshal(empty list) = %s, want %s", got, want)
	}
	b, _ = json.Marshal(SecretMetadata{})
	if !strings.Contains(string(b), `"labels":[]`) {
		t.Errorf("labels not [] in %s", b)
	}
}

func TestFieldsDecode(t *testing.T) {
	f, err := FieldsOf(SecretTypeArbitrary, RepPrototype)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, body, wantErr string
	}{
		{"ok", `{"secret_type":"arbitrary","name":"n","payload":"p"}`, ""},
		{"other type's field", `{"secret_type":"arbitrary","name":"n","payload":"p","username":"u"}`, `field "username" is not allowed in a arbitrary secret prototype`},
		{"unknown field", `{"secret_type":"arbitrary","name":"n","payload":"p","zzz":1}`, `field "zzz" is not allowed`},
		{"missing required", `{"secret_type":"arbitrary","name":"n"}`, `field "payload" is required`},
		{"null required", `{"secret_type":"arbitrary","name":"n","payload":null}`, `field "payload" is required`},
		{"wrong type", `{"secret_type":"arbitrary","name":"n","payload":42}`, `field "payload" of a arbitrary secret prototype must be of JSON type string`},
		{"wrong labels", `{"secret_type":"arbitrary","name":"n","payload":"p","labels":"a"}`, `field "labels" of a arbitrary secret prototype must be of JSON type array`},
		{"bad time", `{"secret_type":"arbitrary","name":"n","payload":"p","expiration_date":"soon"}`, `date-time "soon" is not in RFC 3339 format`},
		{"not an object", `["secret_type"]`, "must be a JSON object"},
		{"trailing data", `{"secret_type":"arbitrary","name":"n","payload":"p"} {}`, "must be a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p SecretPrototype
			_, err := f.Decode([]byte(c.body), &p)
			if c.wantErr == "" {
				if err != nil || p.Payload != "p" {
					t.Fatalf("Decode(%s) = %v, payload %q", c.body, err, p.Payload.Reveal())
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(Message(err), c.wantErr) {
				t.Errorf("Decode(%s) = %v, want ErrInvalid containing %q", c.body, err, c.wantErr)
			}
			if strings.Contains(fmt.Sprint(err), "42") {
				t.Errorf("error %q quotes the input value", err)
			}
		})
	}
}

func TestFieldsNullsAndDiscriminator(t *testing.T) {
	f, _ := FieldsOf(SecretTypeUsernamePassword, RepMetadataPatch)
	var p SecretMetadataPatch
	nulls, err := f.Decode([]byte(`{"description":null,"expiration_date":null,"name":"x"}`), &p)
	if err != nil || !cmp.Equal(nulls, []string{"description", "expiration_date"}) || *p.Name != "x" {
		t.Errorf("Decode = %v, %v, name %v", nulls, err, p.Name)
	}
	if _, err := FieldsOf("vault", RepPrototype); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"vault"`) {
		t.Errorf("FieldsOf(vault) = %v, want ErrInvalid naming it", err)
	}
	if _, err := FieldsOf(SecretTypeKV, RepConfiguration); !errors.Is(err, ErrInvalid) {
		t.Errorf("FieldsOf(kv, RepConfiguration) = %v, want ErrInvalid", err)
	}
	for body, want := range map[string]string{`{"secret_type":"kv"}`: "kv", `{}`: "", `{"secret_type":1}`: "", `nope`: ""} {
		got, err := Discriminator([]byte(body), "secret_type")
		if got != want || (want == "") != errors.Is(err, ErrInvalid) {
			t.Errorf("Discriminator(%s) = %q, %v, want %q", body, got, err, want)
		}
	}
}

func TestNewPage(t *testing.T) {
	q := url.Values{"groups": {"default,abc"}, "offset": {"5"}}
	cases := []struct {
		name                           string
		total, limit, offset, returned int64
		wantNext, wantPrev, wantLast   string
	}{
		{"first of three", 25, 10, 0, 10, "10", "", "20"},
		{"middle", 25, 10, 10, 10, "20", "0", "20"},
		{"last", 25, 10, 20, 5, "", "10", "20"},
		{"empty", 0, 10, 0, 0, "", "", "0"},
		{"exact", 20, 10, 10, 10, "", "0", "10"},
		{"beyond", 5, 10, 30, 0, "", "20", "0"},
	}
	off := func(h *Href) string {
		if h == nil {
			return ""
		}
		u, err := url.Parse(h.Href)
		if err != nil || u.Path != "/api/v2/secrets" || u.Query().Get("groups") != "default,abc" || u.Query().Get("limit") != "10" {
			t.Errorf("bad href %q", h.Href)
		}
		return u.Query().Get("offset")
	}
	for _, c := range cases {
		p := NewPage("/api/v2/secrets", q, c.total, c.limit, c.offset, c.returned)
		got := []string{off(p.Next), off(p.Previous), off(p.Last), off(p.First)}
		if want := []string{c.wantNext, c.wantPrev, c.wantLast, "0"}; !cmp.Equal(got, want) {
			t.Errorf("%s: next, previous, last, first = %q, want %q", c.name, got, want)
		}
	}
}
