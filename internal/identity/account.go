package identity

import (
	"context"
	"errors"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Actions of Coffer's account and user API.
const (
	ActionAccountCreate = "coffer.account.create"
	ActionAccountList   = "coffer.account.list"
	ActionUserCreate    = "coffer.user.create"
	ActionUserList      = "coffer.user.list"
	ActionUserDelete    = "coffer.user.delete"
)

const stateActive = "ACTIVE"

// authorize is the gate call of an operation on the resources of
// accountID. An empty accountID means the caller's own account, which takes
// authenticating the caller first to learn it.
func (s *Service) authorize(ctx context.Context, cred authz.Credential, action, accountID string) (*authz.Principal, error) {
	if accountID == "" && !cred.Empty() {
		p, err := s.Authenticate(ctx, cred)
		if err != nil {
			return nil, err
		}
		accountID = p.AccountID
	}
	return s.gate.Check(ctx, cred, action, authz.AccountResource(accountID))
}

// authorizeObject is the gate of an operation on one object named by id,
// whose account is known only after the lookup: it authenticates the caller,
// runs load (which returns the object's account), then asks the gate about
// that account. A missing object and one the caller may not act on both
// answer notFound, so ids of other accounts cannot be probed.
func (s *Service) authorizeObject(ctx context.Context, cred authz.Credential, action string, notFound error,
	load func() (string, error)) (*authz.Principal, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	account, err := load()
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	err = s.gate.Authorize(ctx, p, action, authz.AccountResource(account))
	if errors.Is(err, api.ErrPermissionDenied) {
		return nil, notFound
	}
	return p, err
}

// CreateAccount creates an account with its administrator user and an API
// key for that user, whose value the answer shows once. Only the operator
// account's administrator may (coffer.account.create). Errors:
// api.ErrUnauthenticated, api.ErrPermissionDenied, api.ErrInvalid (no name).
func (s *Service) CreateAccount(ctx context.Context, cred authz.Credential, req api.CreateAccountRequest) (*api.CreateAccountResponse, error) {
	op, err := s.operatorAccount(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.gate.Check(ctx, cred, ActionAccountCreate, authz.AccountResource(op))
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Name) == "" {
		return nil, api.Errorf(api.ErrInvalid, "name is required")
	}
	acct := &store.Account{ID: NewAccountID(), Name: req.Name, State: stateActive, OwnerIAMID: NewUserIAMID()}
	admin := &store.User{IAMID: acct.OwnerIAMID, AccountID: acct.ID, Name: or(req.AdminName, "admin"),
		Email: req.AdminEmail, State: stateActive}
	key, value, err := s.newAPIKey(ctx, p, admin.IAMID, acct.ID, keySpec{Name: "administrator",
		Description: "created with the account"})
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAccount(ctx, acct); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, admin); err != nil {
			return err
		}
		return tx.CreateAPIKey(ctx, key)
	})
	if err != nil {
		return nil, err
	}
	if err := s.accountCreated(ctx, acct.ID, admin.IAMID); err != nil {
		return nil, err
	}
	view, err := s.apiKeyView(ctx, key)
	if err != nil {
		return nil, err
	}
	view.APIKey = api.WireSecret(value.Reveal())
	s.log.InfoContext(ctx, "account created", "account_id", acct.ID, "by", p.IAMID)
	return &api.CreateAccountResponse{Account: accountView(acct), Admin: userView(admin), APIKey: view}, nil
}

// ListAccounts returns a page of every account (coffer.account.list, the
// operator account's administrator only). Next is an opaque page token.
func (s *Service) ListAccounts(ctx context.Context, cred authz.Credential, r ListRequest) (*api.AccountList, error) {
	op, err := s.operatorAccount(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.gate.Check(ctx, cred, ActionAccountList, authz.AccountResource(op)); err != nil {
		return nil, err
	}
	accts, next, err := s.st.ListAccounts(ctx, coffersPage(r))
	if err != nil {
		return nil, err
	}
	out := &api.AccountList{Accounts: []api.Account{}, Next: next}
	for _, a := range accts {
		out.Accounts = append(out.Accounts, accountView(a))
	}
	return out, nil
}

// CreateUser adds a user to an account (req.AccountID, or the caller's)
// with a fresh CofferId iam_id (coffer.user.create). Errors:
// api.ErrInvalid (no name), api.ErrAlreadyExists (name taken), and the
// gate's.
func (s *Service) CreateUser(ctx context.Context, cred authz.Credential, req api.CreateUserRequest) (*api.User, error) {
	p, err := s.authorize(ctx, cred, ActionUserCreate, req.AccountID)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Name) == "" {
		return nil, api.Errorf(api.ErrInvalid, "name is required")
	}
	u := &store.User{IAMID: NewUserIAMID(), AccountID: or(req.AccountID, p.AccountID), Name: req.Name,
		Email: req.Email, State: stateActive}
	if err := s.st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, api.Errorf(api.ErrAlreadyExists, "a user named %q already exists in the account", req.Name)
		}
		return nil, err
	}
	v := userView(u)
	return &v, nil
}

// ListUsers returns a page of the users of r.AccountID (or the caller's
// account) (coffer.user.list). Next is an opaque page token.
func (s *Service) ListUsers(ctx context.Context, cred authz.Credential, r ListRequest) (*api.UserList, error) {
	p, err := s.authorize(ctx, cred, ActionUserList, r.AccountID)
	if err != nil {
		return nil, err
	}
	users, next, err := s.st.ListUsers(ctx, or(r.AccountID, p.AccountID), coffersPage(r))
	if err != nil {
		return nil, err
	}
	out := &api.UserList{Users: []api.User{}, Next: next}
	for _, u := range users {
		out.Users = append(out.Users, userView(u))
	}
	return out, nil
}

// DeleteUser deletes a user of accountID (or of the caller's account) and
// every API key it owns, and forgets its cached tokens
// (coffer.user.delete). Errors: api.ErrNotFound, api.ErrConflict for the
// account's administrator, and the gate's.
func (s *Service) DeleteUser(ctx context.Context, cred authz.Credential, accountID, iamID string) error {
	p, err := s.authorize(ctx, cred, ActionUserDelete, accountID)
	if err != nil {
		return err
	}
	accountID = or(accountID, p.AccountID)
	acct, err := s.st.Account(ctx, accountID)
	if err != nil {
		return err
	}
	if acct.OwnerIAMID == iamID {
		return api.Errorf(api.ErrConflict, "user %s is the account's administrator and cannot be deleted", iamID)
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteUser(ctx, accountID, iamID); err != nil {
			return err
		}
		_, err := tx.DeleteAPIKeysByOwner(ctx, accountID, iamID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return api.Errorf(api.ErrNotFound, "user %s not found", iamID)
	}
	if err != nil {
		return err
	}
	s.invalidateSubject(iamID)
	return nil
}

// coffersPage is the store page of Coffer's own lists, whose tokens are the
// store's.
func coffersPage(r ListRequest) store.ListOptions {
	size := r.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	return store.ListOptions{PageToken: r.PageToken, Limit: size}
}

func accountView(a *store.Account) api.Account {
	return api.Account{ID: a.ID, Name: a.Name, State: a.State, OwnerIAMID: a.OwnerIAMID, CreatedAt: a.CreatedAt}
}

func userView(u *store.User) api.User {
	return api.User{IAMID: u.IAMID, AccountID: u.AccountID, Name: u.Name, Email: u.Email, State: u.State,
		CreatedAt: u.CreatedAt}
}
