package server

import (
	"context"
	"sync"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/access"
	"github.com/cofferhq/coffer/internal/audit"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/policy"
)

// buildGate builds the audit log, the one authorization gate every service
// uses, and the policy service the gate decides with. They depend on each
// other (the gate authenticates with identity and asks access for policies;
// identity and access authorize with the gate), so the gate reaches access
// through policySource and identity gets the gate with SetGate.
func (s *Server) buildGate() error {
	var err error
	if s.audit, err = audit.New(audit.Config{Store: s.store, Logger: s.log}); err != nil {
		return err
	}
	src := &policySource{}
	s.gate, err = authz.New(authz.Config{Authenticator: s.identity, Policies: src, Audit: s.audit,
		Notifier: s.store, OperatorAccount: s.identity.OperatorAccount, Logger: s.log})
	if err != nil {
		return err
	}
	s.identity.SetGate(s.gate)
	s.access, err = access.New(access.Config{Store: s.store, Gate: s.gate, Logger: s.log, PublicURL: s.cfg.PublicURL})
	src.svc = s.access
	return err
}

// policySource forwards the gate's questions to the access service, which
// is built after the gate.
type policySource struct{ svc *access.Service }

func (p *policySource) PoliciesFor(ctx context.Context, accountID, iamID string) ([]*policy.Compiled, []string, error) {
	return p.svc.PoliciesFor(ctx, accountID, iamID)
}

// PoliciesForGroup lets the explain API answer about access groups once the
// access service can list a group's policies.
func (p *policySource) PoliciesForGroup(ctx context.Context, accountID, groupID string) ([]*policy.Compiled, error) {
	src, ok := any(p.svc).(authz.GroupPolicySource)
	if !ok {
		return nil, api.Errorf(api.ErrUnsupported, "explaining the access of an access group is not supported yet")
	}
	return src.PoliciesForGroup(ctx, accountID, groupID)
}

// createAdminPolicies gives a new account's administrator its policies and
// the account its Default resource group (identity's OnAccountCreated). At
// bootstrap the resource service does not exist yet; it creates the group
// on first use instead.
func (s *Server) createAdminPolicies(ctx context.Context, accountID, adminIAMID string) error {
	if err := s.access.CreateAdminPolicies(ctx, accountID, adminIAMID); err != nil {
		return err
	}
	if s.resources != nil {
		_, err := s.resources.EnsureDefaultGroup(ctx, accountID)
		return err
	}
	return nil
}

// startBackground runs the audit log's group commit and the gate's
// invalidation listener until stopBackground.
func (s *Server) startBackground() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopBG, s.bgDone = cancel, make(chan struct{})
	go func() {
		defer close(s.bgDone)
		done := make(chan struct{}, 2)
		go func() { defer func() { done <- struct{}{} }(); s.gate.Run(ctx) }()
		go func() {
			defer func() { done <- struct{}{} }()
			if err := s.resources.Run(ctx); err != nil {
				s.log.Error("instance reclamation stopped", "error", err.Error())
			}
		}()
		var wg sync.WaitGroup
		defer wg.Wait()
		if s.rotation != nil {
			wg.Go(func() { _ = s.rotation.Run(ctx) })
			wg.Go(func() { _ = events.NewDispatcher(s.events, events.DispatcherConfig{}).Run(ctx) })
		}
		if s.credTasks != nil {
			wg.Go(func() { _ = s.credTasks.Run(ctx) })
		}
		if err := s.audit.Run(ctx); err != nil {
			s.log.Error("audit log stopped", "error", err.Error())
		}
		<-done
		<-done
	}()
}

// stopBackground stops what startBackground started, after the HTTP server
// has finished its requests, so they can still write their audit events.
func (s *Server) stopBackground() {
	if s.audit != nil {
		s.audit.Close()
	}
	if s.stopBG != nil {
		s.stopBG()
		<-s.bgDone
		s.stopBG = nil
	}
	if s.gate != nil {
		s.gate.Close()
	}
	if s.events != nil {
		s.events.Close()
	}
}
