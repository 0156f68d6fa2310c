package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// keyKind is what a rule condition tests.
type keyKind uint8

const (
	keyTime     keyKind = iota + 1 // time of day, in the value's offset
	keyDateTime                    // an instant
	keyDate                        // a calendar date, in UTC
	keyDay                         // day of the week, in the value's offset
	keyResource                    // a resource attribute of the request
)

const resourceKeyPrefix, resourceKeySuffix = "{{resource.attributes.", "}}"

// Layouts of rule values.
const (
	layoutTime = "15:04:05Z07:00"
	layoutDate = "2006-01-02"
)

// cond is a compiled rule: a combination (op And or Or with children) or one
// comparison.
type cond struct {
	op       Operator
	children []cond
	key      string  // as written, for explanations
	kind     keyKind // of a comparison
	raw      string  // the value as written, for explanations
	attr     string  // keyResource: the attribute name
	m        matcher // keyResource: the string test
	secs     int     // keyTime: seconds since midnight
	zone     *time.Location
	t        time.Time // keyDateTime
	date     int       // keyDate: yyyymmdd
	days     []weekday // keyDay
}

// weekday is a day_of_week value: ISO day (1 = Monday … 7 = Sunday) at an
// offset from UTC.
type weekday struct {
	day  int
	zone *time.Location
}

// compileRule compiles and checks a rule; depth is its nesting level.
func compileRule(r Rule, depth int) (cond, error) {
	if r.Operator == And || r.Operator == Or {
		switch {
		case r.Key != "" || r.Value != nil:
			return cond{}, invalid("rule: an %q or %q combination has conditions, not a key or value", And, Or)
		case depth > 1:
			return cond{}, invalid("rule: combinations nest only one level deep")
		case len(r.Conditions) == 0 || len(r.Conditions) > maxConditions:
			return cond{}, invalid("rule: an %q combination needs 1–%d conditions", r.Operator, maxConditions)
		}
		c := cond{op: r.Operator, children: make([]cond, len(r.Conditions))}
		for i, sub := range r.Conditions {
			var err error
			if c.children[i], err = compileRule(sub, depth+1); err != nil {
				return cond{}, err
			}
		}
		return c, nil
	}
	if len(r.Conditions) > 0 {
		return cond{}, invalid("rule: operator %.50q takes no conditions (only %q and %q do)", r.Operator, And, Or)
	}
	return compileComparison(r)
}

// compileComparison compiles one comparison.
func compileComparison(r Rule) (cond, error) {
	c := cond{op: r.Operator, key: r.Key, raw: rawValue(r.Value)}
	where := fmt.Sprintf("rule condition %.100q", r.Key)
	var ops []Operator
	switch {
	case r.Key == KeyCurrentTime:
		c.kind, ops = keyTime, []Operator{TimeLessThan, TimeLessThanOrEquals, TimeGreaterThan, TimeGreaterThanOrEquals}
	case r.Key == KeyCurrentDateTime && strings.HasPrefix(string(r.Operator), "dateTime"):
		c.kind, ops = keyDateTime, []Operator{DateTimeLessThan, DateTimeLessThanOrEquals, DateTimeGreaterThan, DateTimeGreaterThanOrEquals}
	case r.Key == KeyCurrentDate || r.Key == KeyCurrentDateTime:
		c.kind, ops = keyDate, []Operator{DateLessThan, DateLessThanOrEquals, DateGreaterThan, DateGreaterThanOrEquals}
	case r.Key == KeyDayOfWeek:
		c.kind, ops = keyDay, []Operator{DayOfWeekEquals, DayOfWeekAnyOf}
	case strings.HasPrefix(r.Key, resourceKeyPrefix) && strings.HasSuffix(r.Key, resourceKeySuffix) &&
		len(r.Key) > len(resourceKeyPrefix)+len(resourceKeySuffix):
		c.kind, ops = keyResource, resourceOps
		c.attr = r.Key[len(resourceKeyPrefix) : len(r.Key)-len(resourceKeySuffix)]
	default:
		return cond{}, invalid("%s: unknown key (want %s, %s, %s, %s or {{resource.attributes.NAME}})",
			where, KeyCurrentTime, KeyCurrentDateTime, KeyCurrentDate, KeyDayOfWeek)
	}
	if !slices.Contains(ops, r.Operator) {
		return cond{}, invalid("%s: operator %.50q is not allowed with this key (allowed: %s)", where, r.Operator, joinOps(ops))
	}
	return c, c.parseValue(where, r.Value)
}

// parseValue parses the comparison's value according to its kind.
func (c *cond) parseValue(where string, v any) error {
	switch c.kind {
	case keyResource:
		if err := checkValue(where, c.op, v); err != nil {
			return err
		}
		c.m = compileMatcher(Attribute{Key: c.attr, Operator: c.op, Value: v})
		return nil
	case keyDay:
		return c.parseDays(where, v)
	}
	s, ok := v.(string)
	if !ok {
		return invalid("%s: %s needs a string value", where, c.op)
	}
	var err error
	switch c.kind {
	case keyTime:
		var t time.Time
		if t, err = time.Parse(layoutTime, s); err == nil {
			c.secs, c.zone = t.Hour()*3600+t.Minute()*60+t.Second(), fixedZone(t)
			return nil
		}
		return invalid("%s: value %.50q is not a time hh:mm:ss±hh:mm", where, s)
	case keyDateTime:
		if c.t, err = time.Parse(time.RFC3339, s); err == nil {
			return nil
		}
		return invalid("%s: value %.50q is not an ISO 8601 date and time with offset, like 2025-01-31T09:00:00+00:00", where, s)
	}
	t, err := time.Parse(layoutDate, s)
	if err != nil {
		return invalid("%s: value %.50q is not a date YYYY-MM-DD", where, s)
	}
	c.date = dateNumber(t)
	return nil
}

// parseDays parses day_of_week values such as "1+00:00".
func (c *cond) parseDays(where string, v any) error {
	var l []string
	switch c.op {
	case DayOfWeekEquals:
		s, ok := v.(string)
		if !ok {
			return invalid("%s: %s needs a string value like \"1+00:00\"", where, c.op)
		}
		l = []string{s}
	default:
		var ok bool
		if l, ok = v.([]string); !ok || len(l) == 0 || len(l) > 7*27 {
			return invalid("%s: %s needs a list of values like \"1+00:00\"", where, c.op)
		}
	}
	for _, s := range l {
		if len(s) < 2 || s[0] < '1' || s[0] > '7' {
			return invalid("%s: value %.50q is not a day 1–7 (1 = Monday) with an offset, like \"1+00:00\"", where, s)
		}
		t, err := time.Parse("Z07:00", s[1:])
		if err != nil {
			return invalid("%s: value %.50q has no offset ±hh:mm after the day", where, s)
		}
		c.days = append(c.days, weekday{day: int(s[0] - '0'), zone: fixedZone(t)})
	}
	return nil
}

// rawValue renders a rule value for explanations.
func rawValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case []string:
		return "[" + quoteList(v) + "]"
	}
	return fmt.Sprint(v)
}

// fixedZone returns the offset t was parsed with as a fixed zone: Parse may
// return the Local location for an offset Local uses, and Local's daylight
// saving rules must not move a rule's hours.
func fixedZone(t time.Time) *time.Location {
	_, off := t.Zone()
	return time.FixedZone("", off)
}

func dateNumber(t time.Time) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }

// isoWeekday returns 1 for Monday … 7 for Sunday.
func isoWeekday(t time.Time) int {
	if d := int(t.Weekday()); d != 0 {
		return d
	}
	return 7
}

// walk calls f for every comparison of the rule.
func (c *cond) walk(f func(*cond)) {
	if c.op == And || c.op == Or {
		for i := range c.children {
			c.children[i].walk(f)
		}
		return
	}
	f(c)
}

// eval evaluates the rule at now against the request's resource.
func (c *cond) eval(now time.Time, v *view) bool {
	switch c.op {
	case And:
		for i := range c.children {
			if !c.children[i].eval(now, v) {
				return false
			}
		}
		return true
	case Or:
		for i := range c.children {
			if c.children[i].eval(now, v) {
				return true
			}
		}
		return false
	}
	if c.kind == keyResource {
		return c.m.match(v.get(c.attr))
	}
	if now.IsZero() {
		return false
	}
	switch c.kind {
	case keyTime:
		t := now.In(c.zone)
		return compares(c.op, t.Hour()*3600+t.Minute()*60+t.Second()-c.secs)
	case keyDateTime:
		return compares(c.op, now.Compare(c.t))
	case keyDate:
		return compares(c.op, dateNumber(now.UTC())-c.date)
	}
	for _, d := range c.days {
		if isoWeekday(now.In(d.zone)) == d.day {
			return true
		}
	}
	return false
}

// compares applies a LessThan/GreaterThan operator to the sign of diff =
// actual - value.
func compares(op Operator, diff int) bool {
	s := string(op)
	switch {
	case strings.HasSuffix(s, "LessThan"):
		return diff < 0
	case strings.HasSuffix(s, "LessThanOrEquals"):
		return diff <= 0
	case strings.HasSuffix(s, "GreaterThan"):
		return diff > 0
	}
	return diff >= 0
}

// explain says why a rule that evaluated false is false.
func (c *cond) explain(now time.Time, v *view) string {
	switch c.op {
	case And:
		for i := range c.children {
			if !c.children[i].eval(now, v) {
				return c.children[i].explain(now, v)
			}
		}
		return "all conditions hold"
	case Or:
		parts := make([]string, len(c.children))
		for i := range c.children {
			parts[i] = c.children[i].explain(now, v)
		}
		return "none of these holds: " + strings.Join(parts, "; ")
	}
	return fmt.Sprintf("%s %s %s is false (%s)", c.key, c.op, c.raw, c.actual(now, v))
}

// actual describes the value a comparison compared.
func (c *cond) actual(now time.Time, v *view) string {
	if c.kind == keyResource {
		val, ok := v.get(c.attr)
		return "the request's " + c.attr + " is " + got(val, ok)
	}
	if now.IsZero() {
		return "no current time was given"
	}
	switch c.kind {
	case keyTime:
		return "the time is " + now.In(c.zone).Format("15:04:05-07:00")
	case keyDateTime:
		return "it is " + now.Format(time.RFC3339)
	case keyDate:
		return "the date is " + now.UTC().Format(layoutDate) + " (UTC)"
	}
	parts := make([]string, 0, len(c.days))
	for _, d := range c.days {
		t := now.In(d.zone)
		parts = append(parts, fmt.Sprintf("day %d (%s) at %s", isoWeekday(t), t.Weekday(), t.Format("-07:00")))
	}
	return "it is " + strings.Join(slices.Compact(parts), ", ")
}
