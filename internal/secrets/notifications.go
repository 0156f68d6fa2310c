package secrets

import (
	"context"
	"errors"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/store"
)

// Event notifications
//
// IBM's registration names an IBM Cloud Event Notifications instance by
// CRN; Coffer has no such service to deliver to. So the registration is the
// switch: while an instance has one, its events are queued for the
// instance's Coffer destinations (webhooks signed as Standard Webhooks
// specify, NATS subjects), managed with Coffer's own API
// /coffer/v1/instances/{guid}/event-destinations; without one nothing is
// queued (destinations are kept, so registering again resumes delivery).
// The CRN is recorded and echoed as IBM does, whatever its cloud name.
//
// Events about a change are queued in the transaction that makes the
// change (events.Bus.PublishTx), so an event exists exactly when its change
// committed: secret.created, secret.deleted, secret.rotated (manual and
// automatic, one code path), secret_version.locked and
// secret_version.unlocked. The scheduler's events (rotation_failed,
// expiring_soon, expired, credentials.*) report outcomes rather than row
// changes and go through Publish, in a transaction of their own.

// CreateNotificationsRegistration registers the instance with an Event
// Notifications instance, replacing an earlier registration
// (secrets-manager.notifications-registration.create); from then on the
// instance's events go to its Coffer destinations. Errors:
// api.ErrInvalid (a CRN that does not parse, a missing source name).
func (s *Service) CreateNotificationsRegistration(ctx context.Context, cred authz.Credential, instance string, p api.NotificationsRegistrationPrototype) (*api.NotificationsRegistration, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, actNotifCreate); err != nil {
		return nil, err
	}
	if _, err := identity.ParseCRN(p.InstanceCRN); err != nil {
		return nil, api.Errorf(api.ErrInvalid, "event_notifications_instance_crn: %s", api.Message(err))
	}
	if p.SourceName == "" || len(p.SourceName) > 256 || len(p.SourceDescription) > 1024 {
		return nil, api.Errorf(api.ErrInvalid, "event_notifications_source_name is required (at most 256 characters; description at most 1024)")
	}
	err = s.st.PutNotificationsRegistration(ctx, &store.NotificationsRegistration{InstanceGUID: c.in.GUID,
		InstanceCRN: p.InstanceCRN, SourceName: p.SourceName, SourceDescription: p.SourceDescription, CreatedBy: c.p.IAMID})
	if err != nil {
		return nil, err
	}
	return &api.NotificationsRegistration{InstanceCRN: p.InstanceCRN}, nil
}

func (s *Service) notifFor(ctx context.Context, cred authz.Credential, instance, action string) (*call, *store.NotificationsRegistration, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, nil, err
	}
	if err := s.authorize(ctx, c, action); err != nil {
		return nil, nil, err
	}
	n, err := s.st.NotificationsRegistration(ctx, c.in.GUID)
	if err != nil {
		return nil, nil, storeErr(err, "notifications registration")
	}
	return c, n, nil
}

// NotificationsRegistration returns the registration
// (secrets-manager.notifications-registration.read). Errors: api.ErrNotFound.
func (s *Service) NotificationsRegistration(ctx context.Context, cred authz.Credential, instance string) (*api.NotificationsRegistration, error) {
	_, n, err := s.notifFor(ctx, cred, instance, actNotifRead)
	if err != nil {
		return nil, err
	}
	return &api.NotificationsRegistration{InstanceCRN: n.InstanceCRN}, nil
}

// DeleteNotificationsRegistration deletes the registration
// (secrets-manager.notifications-registration.delete): events are no longer
// queued (those queued already are still delivered). Errors: api.ErrNotFound.
func (s *Service) DeleteNotificationsRegistration(ctx context.Context, cred authz.Credential, instance string) error {
	c, _, err := s.notifFor(ctx, cred, instance, actNotifDelete)
	if err != nil {
		return err
	}
	return storeErr(s.st.DeleteNotificationsRegistration(ctx, c.in.GUID), "notifications registration")
}

// TestNotificationsRegistration sends a notifications.test event to every
// destination of the instance now, bypassing the outbox
// (secrets-manager.notifications-registration.test), and succeeds only when
// every destination accepted it. Errors: api.ErrNotFound (no registration),
// api.ErrFailedPrecondition (no destination, or events are not configured
// on this server), api.ErrUnavailable naming each destination that failed.
func (s *Service) TestNotificationsRegistration(ctx context.Context, cred authz.Credential, instance string) error {
	c, _, err := s.notifFor(ctx, cred, instance, actNotifTest)
	if err != nil {
		return err
	}
	if err := s.st.MarkNotificationsTest(ctx, c.in.GUID, s.now()); err != nil {
		return storeErr(err, "notifications registration")
	}
	if s.cfg.Events == nil {
		return api.Errorf(api.ErrFailedPrecondition, "event notifications are not configured on this server")
	}
	err = s.cfg.Events.SendTest(ctx, c.in.GUID)
	if err == nil || errors.Is(err, api.ErrFailedPrecondition) {
		return err
	}
	if errors.Is(err, api.ErrUnavailable) {
		return api.Errorf(api.ErrUnavailable, "the test event was not accepted: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return err
}

// Publish queues ev for the destinations of its instance when the instance
// has a notifications registration, in a transaction of its own; it fills
// in the account. It is how the scheduler publishes (rotation.Publisher).
// Errors: api.ErrInvalid (see events.Event.Validate), store errors.
func (s *Service) Publish(ctx context.Context, ev *events.Event) error {
	if s.cfg.Events == nil {
		return nil
	}
	return s.st.Update(ctx, func(tx *store.Tx) error { return s.publishEvent(ctx, tx, ev) })
}

func (s *Service) publishEvent(ctx context.Context, tx *store.Tx, ev *events.Event) error {
	if _, err := tx.NotificationsRegistration(ctx, ev.InstanceGUID); errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if ev.AccountID == "" {
		if in, err := s.instances.Instance(ctx, ev.InstanceGUID); err == nil {
			ev.AccountID = in.AccountID
		}
	}
	return s.cfg.Events.PublishTx(ctx, tx, ev)
}

// publishTx queues an event about secret x inside tx (see Publish).
func (s *Service) publishTx(ctx context.Context, tx *store.Tx, in *store.Instance, x *store.Secret, typ, versionID string, data map[string]string) error {
	if s.cfg.Events == nil {
		return nil
	}
	return s.publishEvent(ctx, tx, &events.Event{Type: typ, Time: s.now(), AccountID: in.AccountID,
		InstanceGUID: in.GUID, SecretID: x.ID, SecretName: x.Name, SecretType: x.Type, SecretGroupID: x.GroupID,
		VersionID: versionID, Data: data})
}

// CreateEventDestination adds a Coffer event destination to the instance,
// or replaces the one with the same id
// (secrets-manager.notifications-registration.create): a webhook gets a
// fresh signing secret, returned in this answer only. Errors:
// api.ErrInvalid (an unknown type, a malformed URL or subject),
// api.ErrFailedPrecondition (events are not configured on this server).
func (s *Service) CreateEventDestination(ctx context.Context, cred authz.Credential, instance string, p api.EventDestinationPrototype) (*api.EventDestination, error) {
	c, err := s.destinationsCall(ctx, cred, instance, actNotifCreate)
	if err != nil {
		return nil, err
	}
	d := events.Destination{ID: p.ID}
	switch p.Type {
	case api.EventDestinationWebhook:
		if p.Subject != "" {
			return nil, api.Errorf(api.ErrInvalid, "subject: a webhook destination has no subject")
		}
		d.Webhook = &events.Webhook{URL: p.URL, Secret: events.NewWebhookSecret()}
	case api.EventDestinationNATS:
		d.NATS = &events.NATS{URL: p.URL, Subject: p.Subject}
	default:
		return nil, api.Errorf(api.ErrInvalid, "type must be %s or %s", api.EventDestinationWebhook, api.EventDestinationNATS)
	}
	d, err = s.cfg.Events.PutDestination(ctx, c.in.GUID, d)
	if err != nil {
		return nil, err
	}
	out := destinationView(d)
	if d.Webhook != nil {
		out.SigningSecret = d.Webhook.Secret.Reveal() // shown once, on purpose
	}
	return &out, nil
}

// EventDestinations lists the instance's Coffer event destinations, oldest
// first, without their signing secrets
// (secrets-manager.notifications-registration.read). Errors:
// api.ErrFailedPrecondition (events are not configured on this server).
func (s *Service) EventDestinations(ctx context.Context, cred authz.Credential, instance string) (*api.EventDestinationList, error) {
	c, err := s.destinationsCall(ctx, cred, instance, actNotifRead)
	if err != nil {
		return nil, err
	}
	ds, err := s.cfg.Events.Destinations(ctx, c.in.GUID)
	if err != nil {
		return nil, err
	}
	out := &api.EventDestinationList{EventDestinations: make([]api.EventDestination, 0, len(ds))}
	for _, d := range ds {
		out.EventDestinations = append(out.EventDestinations, destinationView(d))
	}
	return out, nil
}

// DeleteEventDestination removes one destination and its pending
// deliveries (secrets-manager.notifications-registration.delete). Errors:
// api.ErrNotFound, api.ErrFailedPrecondition (events are not configured).
func (s *Service) DeleteEventDestination(ctx context.Context, cred authz.Credential, instance, id string) error {
	c, err := s.destinationsCall(ctx, cred, instance, actNotifDelete)
	if err != nil {
		return err
	}
	return s.cfg.Events.DeleteDestination(ctx, c.in.GUID, id)
}

func (s *Service) destinationsCall(ctx context.Context, cred authz.Credential, instance, action string) (*call, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, action); err != nil {
		return nil, err
	}
	if s.cfg.Events == nil {
		return nil, api.Errorf(api.ErrFailedPrecondition, "event notifications are not configured on this server")
	}
	return c, nil
}

func destinationView(d events.Destination) api.EventDestination {
	if d.Webhook != nil {
		return api.EventDestination{ID: d.ID, Type: api.EventDestinationWebhook, URL: d.Webhook.URL}
	}
	return api.EventDestination{ID: d.ID, Type: api.EventDestinationNATS, URL: d.NATS.URL, Subject: d.NATS.Subject}
}
