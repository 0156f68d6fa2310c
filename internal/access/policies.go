package access

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/policy"
	"github.com/cofferhq/coffer/internal/store"
)

// ConflictError is the error of a create, replace or restore that would
// make a second active policy with the same type, subject, resource and
// tags as an existing one (IBM's 409 policy_conflict_error). It wraps an
// *api.Error of kind api.ErrAlreadyExists. Policy is the existing policy in
// the request's API version (api.Policy or api.V2Policy), ETag its tag.
type ConflictError struct {
	ETag   string
	Policy any
	err    *api.Error
}

func (e *ConflictError) Error() string { return e.err.Message }

// Unwrap returns the *api.Error, so the kind and code reach the HTTP layer.
func (e *ConflictError) Unwrap() error { return e.err }

// renderer shows a stored policy in one API version.
type renderer func(*record) (v any, etag string)

func (s *Service) renderV1(r *record) (any, string) { v := s.toV1(r); return &v, v.ETag }
func (s *Service) renderV2(r *record) (any, string) { v := s.toV2(r, false); return &v, v.ETag }

// conflict builds the ConflictError naming the account's active policy with
// the match key of p.
func (s *Service) conflict(ctx context.Context, accountID, key string, render renderer) error {
	row, err := s.st.ActivePolicyByMatchKey(ctx, accountID, key)
	if err != nil {
		return fmt.Errorf("access: finding the policy a new one conflicts with: %w", err)
	}
	r, err := decode(row)
	if err != nil {
		return err
	}
	v, tag := render(r)
	return &ConflictError{ETag: tag, Policy: v, err: &api.Error{Kind: api.ErrAlreadyExists, Code: api.CodePolicyConflict,
		Message: fmt.Sprintf("Failed to create policy: a policy with the same subject and resource already exists (%s); update that policy instead.", row.ID)}}
}

// accountOf returns the account a policy belongs to: its resource's accountId.
func accountOf(p policy.Policy) string {
	a, _ := attr(p.Resource, policy.KeyAccountID)
	return a
}

// create stores the validated policy p for the caller.
func (s *Service) create(ctx context.Context, pr *authz.Principal, p policy.Policy, render renderer) (*record, error) {
	acct := accountOf(p)
	if err := s.gate.Authorize(ctx, pr, ActionPolicyCreate, resourceOf(ActionPolicyCreate, acct)); err != nil {
		return nil, err
	}
	if err := s.checkSubject(ctx, acct, p); err != nil {
		return nil, err
	}
	row := &store.Policy{ID: newPolicyID(), AccountID: acct, CreatedByID: pr.IAMID, LastModifiedByID: pr.IAMID}
	fill(row, p)
	err := s.st.CreatePolicy(ctx, row)
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, s.conflict(ctx, acct, row.MatchKey, render)
	}
	if err != nil {
		return nil, err
	}
	s.invalidate(ctx)
	return &record{row: row, p: p}, nil
}

// checkSubject requires the subject of an access policy to be an identity
// or an access group of the policy's account.
func (s *Service) checkSubject(ctx context.Context, accountID string, p policy.Policy) error {
	if p.Type != policy.TypeAccess {
		return nil
	}
	v, _ := p.Subject[0].Value.(string)
	if p.Subject[0].Key == policy.KeyAccessGroupID {
		g, err := s.st.AccessGroup(ctx, v)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err != nil || g.AccountID != accountID {
			return invalidBody("subject access_group_id %.100q is not an access group of account %s", v, accountID)
		}
		return nil
	}
	ok, err := s.isIdentityOf(ctx, accountID, v)
	if err == nil && !ok {
		err = invalidBody("subject iam_id %.100q is not a user, service ID or trusted profile of account %s", v, accountID)
	}
	return err
}

// isIdentityOf reports whether iamID is a user, service ID or trusted
// profile of the account.
func (s *Service) isIdentityOf(ctx context.Context, accountID, iamID string) (bool, error) {
	owner, err := "", error(nil)
	switch {
	case strings.HasPrefix(iamID, "iam-ServiceId-"):
		var sid *store.ServiceID
		if sid, err = s.st.ServiceIDByIAMID(ctx, iamID); err == nil {
			owner = sid.AccountID
		}
	case strings.HasPrefix(iamID, "iam-Profile-"):
		var pr *store.Profile
		if pr, err = s.st.ProfileByIAMID(ctx, iamID); err == nil {
			owner = pr.AccountID
		}
	default:
		if _, err = s.st.User(ctx, accountID, iamID); err == nil {
			owner = accountID
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return owner == accountID, err
}

// CreatePolicy creates a v1 policy (iam-access-management.policy.create on
// the account its resource names). Errors: api.ErrInvalid (code
// invalid_body, for a body policy.Validate refuses or a subject outside the
// account; an authorization policy from "iam-profile" is refused with a
// message pointing at access policies), *ConflictError, and the gate's.
func (s *Service) CreatePolicy(ctx context.Context, cred authz.Credential, req api.Policy) (*api.Policy, error) {
	pr, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	p, err := fromV1(req)
	if err != nil {
		return nil, err
	}
	r, err := s.create(ctx, pr, p, s.renderV1)
	if err != nil {
		return nil, err
	}
	out := s.toV1(r)
	return &out, nil
}

// CreateV2Policy creates a v2 policy; see CreatePolicy.
func (s *Service) CreateV2Policy(ctx context.Context, cred authz.Credential, req api.V2Policy) (*api.V2Policy, error) {
	pr, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	p, err := fromV2(req)
	if err != nil {
		return nil, err
	}
	r, err := s.create(ctx, pr, p, s.renderV2)
	if err != nil {
		return nil, err
	}
	out := s.toV2(r, false)
	return &out, nil
}

// load is the gate of an operation on policy id: see authorizeObject.
func (s *Service) load(ctx context.Context, cred authz.Credential, action, id string) (*authz.Principal, *record, error) {
	pr, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, nil, err
	}
	return s.loadAs(ctx, pr, action, id)
}

// loadAs is load for a caller already authenticated.
func (s *Service) loadAs(ctx context.Context, pr *authz.Principal, action, id string) (*authz.Principal, *record, error) {
	var row *store.Policy
	err := s.authorizeObject(ctx, pr, action,
		api.Errorf(api.ErrNotFound, "Policy with id %s not found.", id).WithCode(api.CodePolicyNotFound),
		func() (string, error) {
			var err error
			row, err = s.st.Policy(ctx, id)
			if err != nil {
				return "", err
			}
			return row.AccountID, nil
		})
	if err != nil {
		return nil, nil, err
	}
	r, err := decode(row)
	return pr, r, err
}

// Policy returns policy id as a v1 policy (iam-access-management.policy.read).
// A policy of an account the caller may not read answers api.ErrNotFound
// (code policy_not_found), like a missing one.
func (s *Service) Policy(ctx context.Context, cred authz.Credential, id string) (*api.Policy, error) {
	_, r, err := s.load(ctx, cred, ActionPolicyRead, id)
	if err != nil {
		return nil, err
	}
	out := s.toV1(r)
	return &out, nil
}

// V2Policy returns policy id as a v2 policy; format "display" adds the
// roles' names, descriptions and actions. See Policy.
func (s *Service) V2Policy(ctx context.Context, cred authz.Credential, id, format string) (*api.V2Policy, error) {
	_, r, err := s.load(ctx, cred, ActionPolicyRead, id)
	if err != nil {
		return nil, err
	}
	out := s.toV2(r, format == "display")
	return &out, nil
}

// replace writes p over policy id if ifMatch names its current version.
func (s *Service) replace(ctx context.Context, pr *authz.Principal, id, ifMatch string, p policy.Policy,
	render renderer) (*record, error) {
	_, r, err := s.loadAs(ctx, pr, ActionPolicyUpdate, id)
	if err != nil {
		return nil, err
	}
	err = store.RetryAnyVersion(ifMatch, func() error {
		if _, tag := render(r); checkIfMatch(ifMatch, tag) != nil {
			return checkIfMatch(ifMatch, tag)
		}
		if p.Type != r.p.Type {
			return invalidBody("a policy's type cannot change (it is %s)", r.p.Type)
		}
		if acct := accountOf(p); acct != r.row.AccountID {
			return invalidBody("a policy cannot move to another account (its accountId is %s)", r.row.AccountID)
		}
		if err := s.checkSubject(ctx, r.row.AccountID, p); err != nil {
			return err
		}
		p.State, p.ID = r.p.State, id
		fill(r.row, p)
		r.row.LastModifiedByID = pr.IAMID
		return s.update(ctx, r.row, render)
	}, func() (err error) { r, err = s.reload(ctx, id); return err })
	if err != nil {
		return nil, err
	}
	r.p = p
	return r, nil
}

// reload reads policy id again, for an update retried after a concurrent
// one (the caller was authorized on the first read).
func (s *Service) reload(ctx context.Context, id string) (*record, error) {
	row, err := s.st.Policy(ctx, id)
	if err != nil {
		return nil, err
	}
	return decode(row)
}

// raceError is the conflict of an update that another update of the same
// object beat to the commit: the API's conflict, and store.ErrConflict so
// that an update with If-Match "*" knows to try again.
type raceError struct{ err *api.Error }

func (e raceError) Error() string   { return e.err.Error() }
func (e raceError) Unwrap() []error { return []error{e.err, store.ErrConflict} }

// update writes row and tells the gate.
func (s *Service) update(ctx context.Context, row *store.Policy, render renderer) error {
	err := s.st.UpdatePolicy(ctx, row)
	switch {
	case errors.Is(err, store.ErrAlreadyExists):
		return s.conflict(ctx, row.AccountID, row.MatchKey, render)
	case errors.Is(err, store.ErrConflict):
		return raceError{api.Errorf(api.ErrConflict, "policy %s was changed at the same time: read it again and retry", row.ID)}
	case err != nil:
		return err
	}
	s.invalidate(ctx)
	return nil
}

// ReplacePolicy replaces policy id with a v1 body
// (iam-access-management.policy.update). ifMatch is the If-Match header:
// required, the policy's current ETag or "*". The type and the account
// cannot change. Errors: api.ErrInvalid (no If-Match, bad body),
// api.ErrConflict (stale If-Match), api.ErrNotFound, *ConflictError.
func (s *Service) ReplacePolicy(ctx context.Context, cred authz.Credential, id, ifMatch string, req api.Policy) (*api.Policy, error) {
	pr, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	p, err := fromV1(req)
	if err != nil {
		return nil, err
	}
	r, err := s.replace(ctx, pr, id, ifMatch, p, s.renderV1)
	if err != nil {
		return nil, err
	}
	out := s.toV1(r)
	return &out, nil
}

// ReplaceV2Policy replaces policy id with a v2 body; see ReplacePolicy.
func (s *Service) ReplaceV2Policy(ctx context.Context, cred authz.Credential, id, ifMatch string, req api.V2Policy) (*api.V2Policy, error) {
	pr, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	p, err := fromV2(req)
	if err != nil {
		return nil, err
	}
	r, err := s.replace(ctx, pr, id, ifMatch, p, s.renderV2)
	if err != nil {
		return nil, err
	}
	out := s.toV2(r, false)
	return &out, nil
}

// UpdatePolicyState sets policy id's state (iam-access-management.policy.update):
// "deleted" deletes it softly (it grants nothing, lists show it only with
// state=deleted), "active" restores it. ifMatch as for ReplacePolicy.
// Errors: those of ReplacePolicy.
func (s *Service) UpdatePolicyState(ctx context.Context, cred authz.Credential, id, ifMatch string, req api.UpdatePolicyStateRequest) (*api.Policy, error) {
	pr, r, err := s.load(ctx, cred, ActionPolicyUpdate, id)
	if err != nil {
		return nil, err
	}
	switch policy.State(req.State) {
	case policy.StateActive, policy.StateDeleted:
	default:
		return nil, invalidBody("state must be %q or %q, not %.50q", policy.StateActive, policy.StateDeleted, req.State)
	}
	err = store.RetryAnyVersion(ifMatch, func() error {
		if err := checkIfMatch(ifMatch, s.toV1(r).ETag); err != nil {
			return err
		}
		r.p.State = policy.State(req.State)
		r.row.State, r.row.LastModifiedByID = req.State, pr.IAMID
		return s.update(ctx, r.row, s.renderV1)
	}, func() (err error) { r, err = s.reload(ctx, id); return err })
	if err != nil {
		return nil, err
	}
	out := s.toV1(r)
	return &out, nil
}

// DeletePolicy deletes policy id for good (iam-access-management.policy.delete),
// for both API versions. Errors: api.ErrNotFound and the gate's.
func (s *Service) DeletePolicy(ctx context.Context, cred authz.Credential, id string) error {
	if _, _, err := s.load(ctx, cred, ActionPolicyDelete, id); err != nil {
		return err
	}
	if err := s.st.DeletePolicy(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return api.Errorf(api.ErrNotFound, "Policy with id %s not found.", id).WithCode(api.CodePolicyNotFound)
		}
		return err
	}
	s.invalidate(ctx)
	return nil
}

// checkIfMatch checks an If-Match header against the current entity tag.
// "*" skips the check; quotes and a weak W/ prefix are ignored. Errors:
// api.ErrInvalid when ifMatch is empty, api.ErrConflict when it names
// another version.
func checkIfMatch(ifMatch, current string) error {
	tag := strings.Trim(strings.TrimPrefix(strings.TrimSpace(ifMatch), "W/"), `"`)
	switch tag {
	case "":
		return api.Errorf(api.ErrInvalid, "The If-Match header is required: send the ETag of the object (or *).").
			WithCode(api.CodePolicyInvalidBody)
	case "*", current:
		return nil
	}
	return api.Errorf(api.ErrConflict, "The If-Match header does not name the current version: the object was changed since it was read. Read it again and retry.")
}
