package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// table writes aligned columns like IBM's CLI: a header row, then one row
// per item, columns separated by at least three spaces.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, headers ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)}
	t.row(headers...)
	return t
}

// row adds a row; "" cells print as "-".
func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
		cells[i] = strings.ReplaceAll(cells[i], "\t", " ")
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// printKV writes label/value pairs as two aligned columns (IBM's detail
// view). Empty values print as "-".
func printKV(w io.Writer, pairs ...string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		v := pairs[i+1]
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\n", pairs[i], strings.ReplaceAll(v, "\t", " "))
	}
	return tw.Flush()
}
