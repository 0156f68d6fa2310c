package policy

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"abc", "ABC", false},
		{"*", "", true},
		{"*", "anything", true},
		{"a*", "a", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "abbc", false},
		{"a?c", "aéc", true},
		{"*-prod", "db-prod", true},
		{"*-prod", "db-prod-2", false},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXcYb", false},
		{"a**b", "ab", true},
		{"{{*}}", "*", true},
		{"{{*}}", "x", false},
		{"a{{?}}", "a?", true},
		{"a{{?}}", "ab", false},
		{"{{*}}*", "*tail", true},
		{"{{x}}", "{{x}}", true},
		{"{{*", "{{anything", true},
		{"", "", true},
		{"", "a", false},
		{"*a*a*a*a*a*b", strings.Repeat("a", 200), false},
	}
	for _, tt := range tests {
		g := compileGlob(tt.pattern)
		if got := g.match(tt.s); got != tt.want {
			t.Errorf("glob %q match(%q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// globRegexp is an independent reference: it translates an IBM stringMatch
// pattern into an anchored regular expression.
func globRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for len(pattern) > 0 {
		switch {
		case strings.HasPrefix(pattern, "{{*}}"):
			b.WriteString(`\*`)
			pattern = pattern[5:]
		case strings.HasPrefix(pattern, "{{?}}"):
			b.WriteString(`\?`)
			pattern = pattern[5:]
		case pattern[0] == '*':
			b.WriteString(`.*`)
			pattern = pattern[1:]
		case pattern[0] == '?':
			b.WriteString(`.`)
			pattern = pattern[1:]
		default:
			r, n := utf8.DecodeRuneInString(pattern)
			b.WriteString(regexp.QuoteMeta(string(r)))
			pattern = pattern[n:]
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{{"a*c", "abc"}, {"a?c", "aéc"}, {"{{*}}x*", "*xy"}, {"*a*?b", "aab"}, {"??*", "é"}, {"{{?}}", "?"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) || len(pattern) > 200 {
			t.Skip() // Validate refuses invalid UTF-8
		}
		g := compileGlob(pattern)
		want := globRegexp(pattern).MatchString(s)
		if got := g.match(s); got != want {
			t.Fatalf("glob %q match(%q) = %v, regexp says %v", pattern, s, got, want)
		}
	})
}

func TestMatcher(t *testing.T) {
	tests := []struct {
		a      Attribute
		v      string
		has    bool
		want   bool
		wanted string
	}{
		{Attribute{Key: "k", Value: "x"}, "x", true, true, `"x"`},
		{Attribute{Key: "k", Value: "x"}, "", false, false, `"x"`},
		{Attribute{Key: "k", Operator: StringExists, Value: true}, "x", true, true, "any value"},
		{Attribute{Key: "k", Operator: StringExists, Value: true}, "", false, false, "any value"},
		{Attribute{Key: "k", Operator: StringExists, Value: false}, "", false, true, "no value"},
		{Attribute{Key: "k", Operator: StringExists, Value: false}, "x", true, false, "no value"},
		{Attribute{Key: "k", Operator: StringEqualsAnyOf, Value: []string{"a", "b"}}, "b", true, true, `one of "a", "b"`},
		{Attribute{Key: "k", Operator: StringMatchAnyOf, Value: []string{"a*", "b"}}, "abc", true, true, `a value matching one of "a*", "b"`},
		{Attribute{Key: "k", Operator: StringMatch, Value: "a*"}, "b", true, false, `a value matching "a*"`},
	}
	for _, tt := range tests {
		m := compileMatcher(tt.a)
		if got := m.match(tt.v, tt.has); got != tt.want {
			t.Errorf("%v match(%q, %v) = %v, want %v", tt.a, tt.v, tt.has, got, tt.want)
		}
		if got := m.want(); got != tt.wanted {
			t.Errorf("%v want() = %q, want %q", tt.a, got, tt.wanted)
		}
	}
}
