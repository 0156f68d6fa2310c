package secrets

import (
	"context"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/store"
)

// CreateNotificationsRegistration registers the instance with an Event
// Notifications instance, replacing an earlier registration
// (secrets-manager.notifications-registration.create). Errors:
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
// (secrets-manager.notifications-registration.delete). Errors: api.ErrNotFound.
func (s *Service) DeleteNotificationsRegistration(ctx context.Context, cred authz.Credential, instance string) error {
	c, _, err := s.notifFor(ctx, cred, instance, actNotifDelete)
	if err != nil {
		return err
	}
	return storeErr(s.st.DeleteNotificationsRegistration(ctx, c.in.GUID), "notifications registration")
}

// TestNotificationsRegistration records that a test event was requested
// (secrets-manager.notifications-registration.test). It does not deliver
// anything yet: real delivery of events comes with the rotation issue, which
// will send the recorded request. Errors: api.ErrNotFound (no registration).
func (s *Service) TestNotificationsRegistration(ctx context.Context, cred authz.Credential, instance string) error {
	c, _, err := s.notifFor(ctx, cred, instance, actNotifTest)
	if err != nil {
		return err
	}
	return storeErr(s.st.MarkNotificationsTest(ctx, c.in.GUID, s.now()), "notifications registration")
}
