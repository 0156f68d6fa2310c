package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// auditCommand is `coffer audit`: read and verify the audit trail.
func (a *app) auditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Read and verify the audit trail"}
	cmd.AddCommand(a.auditEventsCommand(), a.auditVerifyCommand())
	return cmd
}

// auditEventsCommand is `coffer audit events`.
func (a *app) auditEventsCommand() *cobra.Command {
	var q client.AuditQuery
	var from, to, start string
	cmd := &cobra.Command{
		Use:   "events [--from T] [--to T] [--initiator IAM_ID] [--action A] [--target CRN] [--outcome O] [--limit N]",
		Short: "List audit events, newest first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if q.From, err = parseTimeFlag("--from", from); err != nil {
				return err
			}
			if q.To, err = parseTimeFlag("--to", to); err != nil {
				return err
			}
			q.Start = start
			c, _ := a.client()
			list, err := c.AuditEvents(cmd.Context(), q)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				return a.printJSON(list)
			}
			return a.printAuditEvents(list)
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "only events at or after this time (RFC 3339, or a duration ago such as 1h)")
	f.StringVar(&to, "to", "", "only events before this time (RFC 3339, or a duration ago)")
	f.StringVar(&q.Initiator, "initiator", "", "only events of this caller (iam_id)")
	f.StringVar(&q.Action, "action", "", "only this action; a trailing * matches a prefix (secrets-manager.secret.*)")
	f.StringVar(&q.Target, "target", "", "only events about this target (CRN)")
	f.StringVar(&q.Outcome, "outcome", "", "only this outcome: success, failure or denied")
	f.IntVar(&q.Limit, "limit", 0, "page size (1 to 1000; default the server's)")
	f.StringVar(&start, "start", "", "page token printed after the previous page")
	return cmd
}

// parseTimeFlag reads an RFC 3339 time or a duration before now.
func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, usagef("%s %q: want an RFC 3339 time (2024-04-12T19:00:00Z) or a duration such as 1h", name, v)
}

func (a *app) printAuditEvents(list *api.AuditEventList) error {
	t := newTable(a.env.Stdout, "Time", "Initiator", "Action", "Target", "Outcome")
	for _, e := range list.Events {
		who := e.Initiator.IAMID
		if who == "" {
			who = e.Initiator.Kind
		}
		outcome := e.Outcome
		if e.Reason != "" {
			outcome += ": " + e.Reason
		}
		t.row(e.Time, who, e.Action, e.Target, outcome)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if list.Next != "" {
		fmt.Fprintf(a.env.Stderr, "More events: add --start %s\n", list.Next)
	}
	return nil
}

// errChainBroken makes `coffer audit verify` exit non-zero.
type errChainBroken struct{ rep *api.AuditVerifyReport }

func (e errChainBroken) Error() string {
	return fmt.Sprintf("the audit chain is broken at event %d: %s", *e.rep.FirstBroken, e.rep.Reason)
}

// auditVerifyCommand is `coffer audit verify`.
func (a *app) auditVerifyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Re-check the audit hash chain and report the first broken link",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _ := a.client()
			rep, err := c.VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				if err := a.printJSON(rep); err != nil {
					return err
				}
			} else if rep.OK {
				fmt.Fprintf(a.env.Stdout, "The audit chain is intact: %d events checked.\n", rep.Checked)
			}
			if !rep.OK && rep.FirstBroken != nil {
				return errChainBroken{rep}
			}
			return nil
		},
	}
}
