package secrets

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/secrets/secrettype"
	"github.com/cofferhq/coffer/internal/store"
)

// MaxLocksPerRequest bounds the locks of one bulk create.
const MaxLocksPerRequest = 1000

// CreateSecretLocks locks version ref of the secret ("" = the current
// version) with each lock of p, replacing a lock of the same name on that
// version (secrets-manager.secret-locks.create, or
// secret-version-locks.create for an explicit version). mode is "",
// remove_previous (also delete the same-named locks of the previous
// version) or remove_previous_and_delete (and then destroy the previous
// version's data if it holds no lock; not for custom_credentials). Errors:
// api.ErrNotFound, api.ErrInvalid.
func (s *Service) CreateSecretLocks(ctx context.Context, cred authz.Credential, instance, secretID, ref, mode string, p api.SecretLocksPrototype) (*api.SecretLocks, error) {
	action, vref := actLocksCreate, ref
	if ref != "" {
		action = actVersionLocksCreate
	} else {
		vref = "current"
	}
	c, x, v, err := s.versionFor(ctx, cred, instance, secretID, vref, action)
	if err != nil {
		return nil, err
	}
	if err := checkLocks(mode, p); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		var names []string
		for _, l := range p.Locks {
			attrs, _ := json.Marshal(l.Attributes)
			if l.Attributes == nil {
				attrs = []byte("{}")
			}
			if err := tx.PutSecretLock(ctx, &store.SecretLock{VersionID: v.ID, Name: l.Name, SecretID: x.ID,
				InstanceGUID: c.in.GUID, Description: l.Description, Attributes: attrs, CreatedBy: c.p.IAMID}); err != nil {
				return err
			}
			names = append(names, l.Name)
		}
		if mode != "" {
			if err := s.removePrevious(ctx, tx, c.in, x, v, names, mode); err != nil {
				return err
			}
		}
		if _, err := tx.RecountSecretLocks(ctx, x.ID); err != nil {
			return err
		}
		return s.publishTx(ctx, tx, c.in, x, events.SecretVersionLocked, v.ID, lockData(names, int64(len(names))))
	})
	if err != nil {
		return nil, storeErr(err, "locks of secret "+x.ID)
	}
	return s.secretLocks(ctx, c, x.ID, v.ID)
}

func checkLocks(mode string, p api.SecretLocksPrototype) error {
	if mode != "" && mode != api.LockModeRemovePrevious && mode != api.LockModeRemovePreviousAndDelete {
		return api.Errorf(api.ErrInvalid, "mode must be %s or %s", api.LockModeRemovePrevious, api.LockModeRemovePreviousAndDelete)
	}
	if len(p.Locks) == 0 || len(p.Locks) > MaxLocksPerRequest {
		return api.Errorf(api.ErrInvalid, "locks must hold 1 to %d locks", MaxLocksPerRequest)
	}
	for i, l := range p.Locks {
		if err := secrettype.ValidateName(l.Name); err != nil {
			return api.Errorf(api.ErrInvalid, "locks[%d].name: %s", i, api.Message(err))
		}
		if err := secrettype.ValidateDescription(l.Description); err != nil {
			return err
		}
		if err := secrettype.ValidateCustomMetadata("attributes", l.Attributes); err != nil {
			return err
		}
	}
	return nil
}

// removePrevious applies a lock mode after locking v with names.
func (s *Service) removePrevious(ctx context.Context, tx *store.Tx, in *store.Instance, x *store.Secret, v *store.SecretVersion, names []string, mode string) error {
	if x.VersionsTotal < 2 {
		return nil
	}
	prev, err := tx.SecretVersionBySeq(ctx, x.ID, x.VersionsTotal-1)
	if err != nil || prev.ID == v.ID {
		return err
	}
	if n, err := tx.DeleteSecretLocks(ctx, prev.ID, names); err != nil {
		return err
	} else if n > 0 {
		if err := s.publishTx(ctx, tx, in, x, events.SecretVersionUnlocked, prev.ID, lockData(names, n)); err != nil {
			return err
		}
	}
	if mode != api.LockModeRemovePreviousAndDelete || x.Type == api.SecretTypeCustomCredentials {
		return nil
	}
	locked, err := lockedVersions(ctx, tx, x.ID)
	if err != nil || locked[prev.ID] {
		return err
	}
	return tx.DestroySecretVersionData(ctx, x.ID, prev.ID)
}

// lockData is the data of a secret_version.locked or .unlocked event: how
// many locks were added or removed and, when they fit, their names (none:
// every lock of the version).
func lockData(names []string, n int64) map[string]string {
	d := map[string]string{"locks_changed": strconv.FormatInt(n, 10)}
	if joined := strings.Join(names, ","); joined != "" && len(joined) <= 1024 {
		d["lock_names"] = joined
	}
	return d
}

// DeleteSecretLocks deletes the named locks (all when names is empty) of
// version ref ("" = every version of the secret)
// (secrets-manager.secret-locks.delete or secret-version-locks.delete).
// Names that do not exist are ignored. Errors: api.ErrNotFound.
func (s *Service) DeleteSecretLocks(ctx context.Context, cred authz.Credential, instance, secretID, ref string, names []string) (*api.SecretLocks, error) {
	action, vref := actLocksDelete, ref
	if ref != "" {
		action = actVersionLocksDelete
	} else {
		vref = "current"
	}
	c, x, v, err := s.versionFor(ctx, cred, instance, secretID, vref, action)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		targets := []string{v.ID}
		if ref == "" {
			locks, err := tx.SecretLocks(ctx, x.ID)
			if err != nil {
				return err
			}
			for _, l := range locks {
				if !slices.Contains(targets, l.VersionID) {
					targets = append(targets, l.VersionID)
				}
			}
		}
		for _, id := range targets {
			n, err := tx.DeleteSecretLocks(ctx, id, names)
			if err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			if err := s.publishTx(ctx, tx, c.in, x, events.SecretVersionUnlocked, id, lockData(names, n)); err != nil {
				return err
			}
		}
		_, err := tx.RecountSecretLocks(ctx, x.ID)
		return err
	})
	if err != nil {
		return nil, storeErr(err, "locks of secret "+x.ID)
	}
	return s.secretLocks(ctx, c, x.ID, v.ID)
}

// secretLocks returns the SecretLocks view of a secret: every version that
// holds locks, and version always.
func (s *Service) secretLocks(ctx context.Context, c *call, secretID, always string) (*api.SecretLocks, error) {
	x, err := s.st.Secret(ctx, c.in.GUID, secretID)
	if err != nil {
		return nil, storeErr(err, "secret "+secretID)
	}
	locks, err := s.st.SecretLocks(ctx, x.ID)
	if err != nil {
		return nil, err
	}
	versions, err := s.st.SecretVersions(ctx, x.ID)
	if err != nil {
		return nil, err
	}
	out := &api.SecretLocks{SecretID: x.ID, SecretGroupID: x.GroupID, SecretType: x.Type, SecretName: x.Name,
		Versions: api.List[api.SecretVersionLocks]{}}
	for _, v := range versions {
		var names api.List[string]
		for _, l := range locks {
			if l.VersionID == v.ID {
				names = append(names, l.Name)
			}
		}
		if len(names) == 0 && v.ID != always {
			continue
		}
		avail := v.PayloadAvailable
		out.Versions = append(out.Versions, api.SecretVersionLocks{VersionID: v.ID, VersionAlias: alias(x, v.Seq),
			Locks: names, PayloadAvailable: &avail})
	}
	return out, nil
}

// ListSecretLocks returns a page of the locks of the secret's versions
// (ref "" = every version: secrets-manager.secrets-locks.list; else
// secret-version-locks.list), sorted by created_at, updated_at or name and
// filtered by a name substring. Errors: api.ErrNotFound, api.ErrInvalid.
func (s *Service) ListSecretLocks(ctx context.Context, cred authz.Credential, instance, secretID, ref string, o ListOptions) (*api.SecretLocksPage, error) {
	action, vref := actLocksList, ref
	if ref != "" {
		action = actVersionLocksList
	} else {
		vref = "current"
	}
	c, x, v, err := s.versionFor(ctx, cred, instance, secretID, vref, action)
	if err != nil {
		return nil, err
	}
	if err := o.checkPaging(DefaultLocksLimit); err != nil {
		return nil, err
	}
	sortKey := strings.TrimPrefix(o.Sort, "-")
	if sortKey != "" && sortKey != "created_at" && sortKey != "updated_at" && sortKey != "name" {
		return nil, api.Errorf(api.ErrInvalid, "sort must be created_at, updated_at or name (with - to descend)")
	}
	locks, err := s.st.SecretLocks(ctx, x.ID)
	if err != nil {
		return nil, err
	}
	seqs, err := s.versionSeqs(ctx, x.ID)
	if err != nil {
		return nil, err
	}
	var items []api.SecretLock
	for _, l := range locks {
		if (ref != "" && l.VersionID != v.ID) || !strings.Contains(strings.ToLower(l.Name), strings.ToLower(o.Search)) {
			continue
		}
		items = append(items, lockView(c, x, l, alias(x, seqs[l.VersionID])))
	}
	sortLocks(items, o.Sort)
	return &api.SecretLocksPage{Page: o.page(int64(len(items)), len(pageOf(items, o))), Locks: pageOf(items, o)}, nil
}

func (s *Service) versionSeqs(ctx context.Context, secretID string) (map[string]int64, error) {
	versions, err := s.st.SecretVersions(ctx, secretID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(versions))
	for _, v := range versions {
		out[v.ID] = v.Seq
	}
	return out, nil
}

func lockView(c *call, x *store.Secret, l *store.SecretLock, alias string) api.SecretLock {
	out := api.SecretLock{Name: l.Name, Description: l.Description, CreatedAt: api.NewSecretsTime(l.CreatedAt),
		UpdatedAt: api.NewSecretsTime(l.UpdatedAt), CreatedBy: l.CreatedBy, SecretGroupID: x.GroupID,
		SecretID: x.ID, SecretVersionID: l.VersionID, SecretVersionAlias: alias}
	if len(l.Attributes) > 0 && string(l.Attributes) != "{}" {
		_ = json.Unmarshal(l.Attributes, &out.Attributes)
	}
	return out
}

func sortLocks(items []api.SecretLock, sort string) {
	key := strings.TrimPrefix(sort, "-")
	desc := strings.HasPrefix(sort, "-")
	slices.SortStableFunc(items, func(a, b api.SecretLock) int {
		var r int
		switch key {
		case "name":
			r = strings.Compare(a.Name, b.Name)
		case "updated_at":
			r = a.UpdatedAt.Compare(b.UpdatedAt.Time)
		default:
			r = a.CreatedAt.Compare(b.CreatedAt.Time)
		}
		if desc {
			r = -r
		}
		return r
	})
}

// pageOf returns the items of the page o selects.
func pageOf[T any](items []T, o ListOptions) api.List[T] {
	out := api.List[T]{}
	if o.Offset >= int64(len(items)) {
		return out
	}
	end := min(o.Offset+o.Limit, int64(len(items)))
	return append(out, items[o.Offset:end]...)
}

// ListSecretsLocks returns a page of the instance's locked secrets with
// their locks (secrets-manager.secrets-locks.list), filtered by lock name
// substring and groups. Errors: api.ErrInvalid (paging).
func (s *Service) ListSecretsLocks(ctx context.Context, cred authz.Credential, instance string, o ListOptions) (*api.SecretsLocksPage, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, actLocksList); err != nil {
		return nil, err
	}
	if err := o.checkPaging(DefaultListLimit); err != nil {
		return nil, err
	}
	rows, total, err := s.st.ListLockedSecrets(ctx, c.in.GUID, store.LockedSecretFilter{Offset: o.Offset,
		Limit: o.Limit, Search: o.Search, Groups: o.Groups})
	if err != nil {
		return nil, err
	}
	out := &api.SecretsLocksPage{SecretsLocks: api.List[api.SecretLocks]{}}
	for _, x := range rows {
		if !s.gate.Allowed(ctx, c.p, actLocksList, c.groupRes(x.GroupID, "")) {
			total--
			continue
		}
		l, err := s.secretLocks(ctx, c, x.ID, "")
		if err != nil {
			return nil, err
		}
		out.SecretsLocks = append(out.SecretsLocks, *l)
	}
	out.Page = o.page(total, len(out.SecretsLocks))
	return out, nil
}
