package policy

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of one glob token.
type tokKind uint8

const (
	tokLit  tokKind = iota // a literal run of text
	tokOne                 // ?: exactly one character
	tokStar                // *: any run of characters, including none
)

type token struct {
	kind tokKind
	lit  string
}

// glob is a compiled stringMatch pattern.
type glob struct {
	pattern string
	toks    []token
	literal bool // no wildcard: plain equality with lit
	lit     string
}

// compileGlob compiles an IBM stringMatch pattern: "*" matches any run of
// characters (including none), "?" exactly one character, and "{{*}}" and
// "{{?}}" a literal "*" or "?". Everything else is literal and matching is
// case-sensitive. Characters are UTF-8 code points.
func compileGlob(pattern string) glob {
	g := glob{pattern: pattern}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			g.toks = append(g.toks, token{kind: tokLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		switch {
		case strings.HasPrefix(pattern[i:], "{{*}}"), strings.HasPrefix(pattern[i:], "{{?}}"):
			lit.WriteByte(pattern[i+2])
			i += 5
		case pattern[i] == '*':
			flush()
			if n := len(g.toks); n == 0 || g.toks[n-1].kind != tokStar { // ** is *
				g.toks = append(g.toks, token{kind: tokStar})
			}
			i++
		case pattern[i] == '?':
			flush()
			g.toks = append(g.toks, token{kind: tokOne})
			i++
		default:
			lit.WriteByte(pattern[i])
			i++
		}
	}
	flush()
	if len(g.toks) == 0 {
		g.literal = true
	} else if len(g.toks) == 1 && g.toks[0].kind == tokLit {
		g.literal, g.lit = true, g.toks[0].lit
	}
	return g
}

// match reports whether s matches the pattern. It runs in O(len(s) ×
// tokens) time at worst: on a mismatch it backtracks only to the last star,
// which is enough because a later star can absorb whatever an earlier one
// would have.
func (g *glob) match(s string) bool {
	if g.literal {
		return s == g.lit
	}
	ti, si := 0, 0
	star, starS := -1, 0 // last star token and the position of s it resumes at
	for {
		if ti < len(g.toks) {
			t := g.toks[ti]
			switch t.kind {
			case tokStar:
				star, starS = ti, si
				ti++
				continue
			case tokLit:
				if strings.HasPrefix(s[si:], t.lit) {
					ti, si = ti+1, si+len(t.lit)
					continue
				}
			case tokOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					ti, si = ti+1, si+n
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if star < 0 || starS >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		ti, si = star+1, starS
	}
}

// matcher is a compiled attribute test.
type matcher struct {
	key    string
	op     Operator
	value  string   // stringEquals
	values []string // stringEqualsAnyOf
	globs  []glob   // stringMatch (one) and stringMatchAnyOf
	exists bool     // stringExists
}

// compileMatcher compiles an attribute whose value was checked by Validate.
func compileMatcher(a Attribute) matcher {
	m := matcher{key: a.Key, op: opOf(a.Operator)}
	switch m.op {
	case StringEquals:
		m.value, _ = a.Value.(string)
	case StringExists:
		m.exists, _ = a.Value.(bool)
	case StringEqualsAnyOf:
		m.values, _ = a.Value.([]string)
	case StringMatch:
		s, _ := a.Value.(string)
		m.globs = []glob{compileGlob(s)}
	case StringMatchAnyOf:
		l, _ := a.Value.([]string)
		for _, s := range l {
			m.globs = append(m.globs, compileGlob(s))
		}
	}
	return m
}

// match tests a value; ok says whether the request has the attribute at all
// (an empty value counts as absent).
func (m *matcher) match(v string, ok bool) bool {
	if m.op == StringExists {
		return ok == m.exists
	}
	if !ok {
		return false
	}
	switch m.op {
	case StringEquals:
		return v == m.value
	case StringEqualsAnyOf:
		for _, x := range m.values {
			if v == x {
				return true
			}
		}
	case StringMatch, StringMatchAnyOf:
		for i := range m.globs {
			if m.globs[i].match(v) {
				return true
			}
		}
	}
	return false
}

// want describes what the matcher accepts, for explanations.
func (m *matcher) want() string {
	switch m.op {
	case StringExists:
		if m.exists {
			return "any value"
		}
		return "no value"
	case StringEqualsAnyOf:
		return "one of " + quoteList(m.values)
	case StringMatch:
		return "a value matching " + strconv.Quote(m.globs[0].pattern)
	case StringMatchAnyOf:
		l := make([]string, len(m.globs))
		for i, g := range m.globs {
			l[i] = g.pattern
		}
		return "a value matching one of " + quoteList(l)
	}
	return strconv.Quote(m.value)
}

// quoteList quotes at most 10 values, then says how many more there are.
func quoteList(l []string) string {
	const most = 10
	q := make([]string, 0, most+1)
	for i, s := range l {
		if i == most {
			q = append(q, fmt.Sprintf("and %d more", len(l)-most))
			break
		}
		q = append(q, strconv.Quote(s))
	}
	return strings.Join(q, ", ")
}

// got describes a request value, for explanations.
func got(v string, ok bool) string {
	if !ok {
		return "none"
	}
	return strconv.Quote(v)
}
