package identity

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

func TestParseListRequest(t *testing.T) {
	tests := []struct {
		query string
		size  int
		bad   bool
	}{
		{"", 0, false},
		{"pagesize=1", 1, false},
		{"pagesize=100", 100, false},
		{"pagesize=0", 0, true},
		{"pagesize=101", 0, true},
		{"pagesize=ten", 0, true},
	}
	for _, tc := range tests {
		r, err := ParseListRequest(&url.URL{RawQuery: tc.query})
		if tc.bad != errors.Is(err, api.ErrInvalid) || !tc.bad && r.PageSize != tc.size {
			t.Errorf("ParseListRequest(%q) = size %d, err %v; want size %d, bad %v", tc.query, r.PageSize, err, tc.size, tc.bad)
		}
	}
}

func TestPageLinks(t *testing.T) {
	u, _ := url.Parse("http://h:1/v1/serviceids/?account_id=a&pagesize=2&pagetoken=old")
	r := ListRequest{AccountID: "a", PageSize: 2, URL: u}
	p, err := openPage(r)
	if err != nil {
		t.Fatal(err)
	}
	info := p.links(r, 2, "storetok")
	if info.first != "http://h:1/v1/serviceids/?account_id=a&pagesize=2" || info.offset != 0 || info.limit != 2 {
		t.Errorf("links = %+v", info)
	}
	next, _ := url.Parse(info.next)
	r2 := ListRequest{PageToken: next.Query().Get("pagetoken"), URL: next}
	p2, err := openPage(r2)
	if err != nil || p2.Account != "a" || p2.Store != "storetok" || p2.Offset != 2 {
		t.Errorf("openPage(next) = %+v, %v; want account a, store token, offset 2", p2, err)
	}
	if last := p2.links(r2, 1, ""); last.next != "" || last.offset != 2 {
		t.Errorf("last page links = %+v, want no next, offset 2", last)
	}
	for _, tok := range []string{"!!", "e30", strings.Repeat("A", 10)} {
		if _, err := openPage(ListRequest{PageToken: tok}); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("openPage(token %q) = %v, want api.ErrInvalid", tok, err)
		}
	}
}
