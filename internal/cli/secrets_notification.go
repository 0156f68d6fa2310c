package cli

import (
	"context"
	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

// notificationCommands are the Event Notifications registration commands.
func (s *smApp) notificationCommands() []*cobra.Command {
	var p api.NotificationsRegistrationPrototype
	create := &cobra.Command{
		Use:   "notifications-registration-create --event-notifications-instance-crn CRN --event-notifications-source-name NAME [--event-notifications-source-description TEXT]",
		Short: "Register the instance with an Event Notifications instance", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "event-notifications-instance-crn", "event-notifications-source-name"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			r, err := c.CreateNotificationsRegistration(cmd.Context(), p)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return printKV(s.env.Stdout, "Event Notifications Instance CRN", r.InstanceCRN) })
		},
	}
	create.Flags().StringVar(&p.InstanceCRN, "event-notifications-instance-crn", "", "CRN of the Event Notifications instance")
	create.Flags().StringVar(&p.SourceName, "event-notifications-source-name", "", "name of this source in Event Notifications")
	create.Flags().StringVar(&p.SourceDescription, "event-notifications-source-description", "", "description of this source")
	show := &cobra.Command{
		Use: "notifications-registration", Short: "Show the Event Notifications registration", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			r, err := c.NotificationsRegistration(cmd.Context())
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return printKV(s.env.Stdout, "Event Notifications Instance CRN", r.InstanceCRN) })
		},
	}
	var force bool
	del := &cobra.Command{
		Use: "notifications-registration-delete [-f]", Short: "Remove the Event Notifications registration", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return s.removal(cmd, nil, force, "Remove the Event Notifications registration?",
				func(ctx context.Context, c *client.SecretsClient) error {
					return c.DeleteNotificationsRegistration(ctx)
				})
		},
	}
	forceFlag(del, &force)
	test := &cobra.Command{
		Use: "notifications-registration-test", Aliases: []string{"notifications-test"}, Args: noArgs,
		Short: "Send a test event to every event destination of the instance (fails naming those that refused it)",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := s.sm()
			if err != nil {
				return err
			}
			if err := c.TestNotificationsRegistration(cmd.Context()); err != nil {
				return err
			}
			return s.done()
		},
	}
	return append([]*cobra.Command{create, show, del, test}, s.destinationCommands()...)
}

// destinationCommands manage Coffer's event destinations: where the events
// of an instance with a notifications registration go.
func (s *smApp) destinationCommands() []*cobra.Command {
	var p api.EventDestinationPrototype
	create := &cobra.Command{
		Use:   "event-destination-create --type webhook|nats --url URL [--subject SUBJECT] [--id ID]",
		Short: "Send the instance's events to a webhook (prints its signing secret once) or a NATS subject", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "type", "url"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			d, err := c.CreateEventDestination(cmd.Context(), p)
			if err != nil {
				return err
			}
			return s.show(raw, func() error {
				return printKV(s.env.Stdout, "ID", d.ID, "Type", d.Type, "URL", d.URL, "Subject", d.Subject,
					"Signing Secret", d.SigningSecret)
			})
		},
	}
	create.Flags().StringVar(&p.Type, "type", "", "webhook or nats")
	create.Flags().StringVar(&p.URL, "url", "", "webhook URL (http or https) or NATS server URL (nats://host:port)")
	create.Flags().StringVar(&p.Subject, "subject", "", "NATS subject (nats only)")
	create.Flags().StringVar(&p.ID, "id", "", "ID of the destination (default: derived from its address)")
	list := &cobra.Command{
		Use: "event-destinations", Short: "List the instance's event destinations", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			l, err := c.EventDestinations(cmd.Context())
			if err != nil {
				return err
			}
			return s.show(raw, func() error {
				t := newTable(s.env.Stdout, "ID", "Type", "URL", "Subject")
				for _, d := range l.EventDestinations {
					t.row(d.ID, d.Type, d.URL, d.Subject)
				}
				return t.flush()
			})
		},
	}
	return []*cobra.Command{create, list, s.destinationDeleteCommand()}
}

func (s *smApp) destinationDeleteCommand() *cobra.Command {
	var id string
	var force bool
	cmd := &cobra.Command{
		Use: "event-destination-delete --id ID [-f]", Short: "Remove an event destination and its pending deliveries", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return s.removal(cmd, []string{"id"}, force, "Remove event destination "+id+"?",
				func(ctx context.Context, c *client.SecretsClient) error {
					return c.DeleteEventDestination(ctx, id)
				})
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "ID of the destination")
	forceFlag(cmd, &force)
	return cmd
}

// taskCommands are the custom credentials task commands.
func (s *smApp) taskCommands() []*cobra.Command {
	var secretID string
	list := &cobra.Command{
		Use: "secret-tasks --secret-id ID", Short: "List the tasks of a custom_credentials secret", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needSecretID(cmd); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			l, err := c.ListSecretTasks(cmd.Context(), secretID)
			if err != nil {
				return err
			}
			return s.show(raw, func() error {
				t := newTable(s.env.Stdout, "ID", "Type", "Status", "Trigger", "Version", "Updated")
				for _, k := range l.Tasks {
					t.row(k.ID, k.Type, k.Status, k.Trigger, k.SecretVersionID, timeStr(k.LastUpdateDate))
				}
				return t.flush()
			})
		},
	}
	secretIDFlag(list, &secretID, true)
	return []*cobra.Command{list, s.taskShowCommand(), s.taskReplaceCommand(), s.taskDeleteCommand()}
}

func (s *smApp) taskShowCommand() *cobra.Command {
	var secretID, id string
	cmd := &cobra.Command{
		Use: "secret-task --secret-id ID --id TASK", Short: "Show a task of a custom_credentials secret", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "secret-id", "id"); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			k, err := c.SecretTask(cmd.Context(), secretID, id)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printTask(k) })
		},
	}
	secretIDFlag(cmd, &secretID, false)
	cmd.Flags().StringVar(&id, "id", "", "ID of the task")
	return cmd
}

func (s *smApp) taskReplaceCommand() *cobra.Command {
	var secretID, id, proto string
	cmd := &cobra.Command{
		Use:   "secret-task-replace --secret-id ID --id TASK --task-put JSON",
		Short: "Report the outcome of a task (as a custom credentials provider)", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := required(cmd, "secret-id", "id", "task-put"); err != nil {
				return err
			}
			var req api.SecretTaskPrototype
			if err := jsonFlag("task-put", proto, &req); err != nil {
				return err
			}
			c, raw, err := s.sm()
			if err != nil {
				return err
			}
			k, err := c.ReplaceSecretTask(cmd.Context(), secretID, id, req)
			if err != nil {
				return err
			}
			return s.show(raw, func() error { return s.printTask(k) })
		},
	}
	secretIDFlag(cmd, &secretID, false)
	cmd.Flags().StringVar(&id, "id", "", "ID of the task")
	cmd.Flags().StringVar(&proto, "task-put", "", `the task update as JSON or @FILE, e.g. {"status":"credentials_deleted"}`)
	return cmd
}

func (s *smApp) taskDeleteCommand() *cobra.Command {
	var secretID, id string
	var force bool
	cmd := &cobra.Command{
		Use: "secret-task-delete --secret-id ID --id TASK [-f]", Short: "Delete a task of a custom_credentials secret", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return s.removal(cmd, []string{"secret-id", "id"}, force, "Delete task "+id+" of secret "+secretID+"?",
				func(ctx context.Context, c *client.SecretsClient) error {
					return c.DeleteSecretTask(ctx, secretID, id)
				})
		},
	}
	secretIDFlag(cmd, &secretID, false)
	cmd.Flags().StringVar(&id, "id", "", "ID of the task")
	forceFlag(cmd, &force)
	return cmd
}

func (s *smApp) printTask(k *api.SecretTask) error {
	return printKV(s.env.Stdout, "ID", k.ID, "Type", k.Type, "Status", k.Status, "Trigger", k.Trigger,
		"Secret ID", k.SecretID, "Version", k.SecretVersionID, "Created", timeStr(k.CreationDate),
		"Updated", timeStr(k.LastUpdateDate), "Updated By", k.UpdatedBy)
}
