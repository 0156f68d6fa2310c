package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// This file holds the IAM Identity entities of migration 0002: service IDs,
// trusted profiles and a profile's claim rules, links and trusted identities.
// Lists of strings and rule conditions are stored as JSON arrays in TEXT
// columns; an empty list is stored as [] and read back as nil.

// ServiceID is an IAM service ID of an account. IAMID is "iam-" + ID and is
// unique across accounts.
type ServiceID struct {
	ID                 string
	AccountID          string
	IAMID              string
	Name               string // not unique
	Description        string
	UniqueInstanceCRNs []string
	Locked             bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Revision           int64
}

const serviceIDCols = "id, account_id, iam_id, name, description, unique_instance_crns, locked, " +
	"created_at, updated_at, revision"

func scanServiceID(s scanner) (*ServiceID, error) {
	v := new(ServiceID)
	err := s.Scan(&v.ID, &v.AccountID, &v.IAMID, &v.Name, &v.Description, (*jsonList[string])(&v.UniqueInstanceCRNs),
		(*boolean)(&v.Locked), (*usec)(&v.CreatedAt), (*usec)(&v.UpdatedAt), &v.Revision)
	return v, err
}

func serviceIDKey(v *ServiceID) (time.Time, string) { return v.CreatedAt, v.ID }

// CreateServiceID stores a new service ID. It sets v.Revision to 1 and
// v.CreatedAt and v.UpdatedAt to now when zero. Errors: ErrAlreadyExists
// (same id or iam_id), api.ErrFailedPrecondition (no such account),
// api.ErrInvalid (empty id, account id or iam_id).
func (q *queries) CreateServiceID(ctx context.Context, v *ServiceID) error {
	if err := required("create service id", "id", v.ID, "account id", v.AccountID, "iam id", v.IAMID); err != nil {
		return err
	}
	created, updated := createTimes(v.CreatedAt, v.UpdatedAt)
	v.UniqueInstanceCRNs = nilIfEmpty(v.UniqueInstanceCRNs)
	err := q.create(ctx, "service id "+v.ID,
		`INSERT INTO service_ids (id, account_id, iam_id, name, description, unique_instance_crns, locked,
		 created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		v.ID, v.AccountID, v.IAMID, v.Name, v.Description, jsonText(v.UniqueInstanceCRNs), v.Locked,
		micros(created), micros(updated))
	if err != nil {
		return err
	}
	v.CreatedAt, v.UpdatedAt, v.Revision = created, updated, 1
	return nil
}

// ServiceID returns the service ID with the given id, or ErrNotFound.
func (q *queries) ServiceID(ctx context.Context, id string) (*ServiceID, error) {
	return getOne(ctx, q, scanServiceID, "service id "+id,
		`SELECT `+serviceIDCols+` FROM service_ids WHERE id = ?`, id)
}

// ServiceIDByIAMID returns the service ID with the given iam_id, or ErrNotFound.
func (q *queries) ServiceIDByIAMID(ctx context.Context, iamID string) (*ServiceID, error) {
	return getOne(ctx, q, scanServiceID, "service id with iam_id "+iamID,
		`SELECT `+serviceIDCols+` FROM service_ids WHERE iam_id = ?`, iamID)
}

// ListServiceIDs returns a page of the account's service IDs, only those
// named name unless it is "". Errors: api.ErrInvalid for a bad page token
// or an empty account id.
func (q *queries) ListServiceIDs(ctx context.Context, accountID, name string, opts ListOptions) ([]*ServiceID, string, error) {
	if err := required("list service ids", "account id", accountID); err != nil {
		return nil, "", err
	}
	p := page{what: "list service ids of account " + accountID, cols: serviceIDCols, table: "service_ids", id: "id",
		where: "account_id = ?", args: []any{accountID}}
	p.filter("name", name)
	return list(ctx, q, p, opts, scanServiceID, serviceIDKey)
}

// UpdateServiceID writes v's Name, Description, UniqueInstanceCRNs and
// Locked if the stored row is still at v.Revision, then increments
// v.Revision and sets v.UpdatedAt. Errors: ErrNotFound, ErrConflict.
func (q *queries) UpdateServiceID(ctx context.Context, v *ServiceID) error {
	t := now()
	v.UniqueInstanceCRNs = nilIfEmpty(v.UniqueInstanceCRNs)
	err := q.update(ctx, "service id "+v.ID,
		`UPDATE service_ids SET name = ?, description = ?, unique_instance_crns = ?, locked = ?, updated_at = ?,
		 revision = revision + 1 WHERE id = ? AND revision = ?`,
		[]any{v.Name, v.Description, jsonText(v.UniqueInstanceCRNs), v.Locked, micros(t), v.ID, v.Revision},
		`SELECT 1 FROM service_ids WHERE id = ?`, v.ID)
	if err != nil {
		return err
	}
	v.Revision++
	v.UpdatedAt = t
	return nil
}

// DeleteServiceID deletes the service ID. Its API keys are not rows of its
// own (api_keys has no foreign key to service_ids): delete them with
// DeleteAPIKeysByOwner in the same transaction. Errors: ErrNotFound.
func (q *queries) DeleteServiceID(ctx context.Context, id string) error {
	return q.execOne(ctx, "service id "+id, `DELETE FROM service_ids WHERE id = ?`, id)
}

// APIKeysByOwner returns every API key of the account owned by iamID, in
// creation order, unpaged (an identity has few keys).
func (q *queries) APIKeysByOwner(ctx context.Context, accountID, iamID string) ([]*APIKey, error) {
	return getAll(ctx, q, scanAPIKey, fmt.Sprintf("api keys of %s in account %s", iamID, accountID),
		`SELECT `+apiKeyCols+` FROM api_keys WHERE account_id = ? AND iam_id = ? ORDER BY created_at, id`,
		accountID, iamID)
}

// DeleteAPIKeysByOwner deletes every API key of the account owned by iamID
// and returns how many there were (0 is not an error).
func (q *queries) DeleteAPIKeysByOwner(ctx context.Context, accountID, iamID string) (int64, error) {
	what := fmt.Sprintf("delete api keys of %s in account %s", iamID, accountID)
	res, err := q.exec(ctx, `DELETE FROM api_keys WHERE account_id = ? AND iam_id = ?`, accountID, iamID)
	if err != nil {
		return 0, wrap(err, "%s", what)
	}
	n, err := res.RowsAffected()
	return n, wrap(err, "%s", what)
}

// Profile is an IAM trusted profile. Names are unique within an account;
// IAMID ("iam-" + ID) is unique across accounts. IdentitiesRevision is the
// revision of the profile's set of trusted identities, separate from
// Revision, which covers the profile's own fields.
type Profile struct {
	ID                 string
	AccountID          string
	IAMID              string
	Name               string
	Description        string
	Email              string
	IdentitiesRevision int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Revision           int64
}

const profileCols = "id, account_id, iam_id, name, description, email, identities_revision, " +
	"created_at, updated_at, revision"

func scanProfile(s scanner) (*Profile, error) {
	p := new(Profile)
	err := s.Scan(&p.ID, &p.AccountID, &p.IAMID, &p.Name, &p.Description, &p.Email, &p.IdentitiesRevision,
		(*usec)(&p.CreatedAt), (*usec)(&p.UpdatedAt), &p.Revision)
	return p, err
}

func profileKey(p *Profile) (time.Time, string) { return p.CreatedAt, p.ID }

// CreateProfile stores a new trusted profile. It sets p.Revision and
// p.IdentitiesRevision to 1 and p.CreatedAt and p.UpdatedAt to now when
// zero. Errors: ErrAlreadyExists (same id, iam_id, or name in the account),
// api.ErrFailedPrecondition (no such account), api.ErrInvalid.
func (q *queries) CreateProfile(ctx context.Context, p *Profile) error {
	if err := required("create profile", "id", p.ID, "account id", p.AccountID, "iam id", p.IAMID); err != nil {
		return err
	}
	created, updated := createTimes(p.CreatedAt, p.UpdatedAt)
	err := q.create(ctx, "profile "+p.ID,
		`INSERT INTO profiles (id, account_id, iam_id, name, description, email, identities_revision,
		 created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, 1)`,
		p.ID, p.AccountID, p.IAMID, p.Name, p.Description, p.Email, micros(created), micros(updated))
	if err != nil {
		return err
	}
	p.CreatedAt, p.UpdatedAt, p.Revision, p.IdentitiesRevision = created, updated, 1, 1
	return nil
}

// Profile returns the profile with the given id, or ErrNotFound.
func (q *queries) Profile(ctx context.Context, id string) (*Profile, error) {
	return getOne(ctx, q, scanProfile, "profile "+id, `SELECT `+profileCols+` FROM profiles WHERE id = ?`, id)
}

// ProfileByName returns the account's profile with the given name, or ErrNotFound.
func (q *queries) ProfileByName(ctx context.Context, accountID, name string) (*Profile, error) {
	return getOne(ctx, q, scanProfile, fmt.Sprintf("account %s profile named %q", accountID, name),
		`SELECT `+profileCols+` FROM profiles WHERE account_id = ? AND name = ?`, accountID, name)
}

// ProfileByIAMID returns the profile with the given iam_id, or ErrNotFound.
func (q *queries) ProfileByIAMID(ctx context.Context, iamID string) (*Profile, error) {
	return getOne(ctx, q, scanProfile, "profile with iam_id "+iamID,
		`SELECT `+profileCols+` FROM profiles WHERE iam_id = ?`, iamID)
}

// ListProfiles returns a page of the account's profiles, only the one named
// name unless it is "". Errors: api.ErrInvalid for a bad page token or an
// empty account id.
func (q *queries) ListProfiles(ctx context.Context, accountID, name string, opts ListOptions) ([]*Profile, string, error) {
	if err := required("list profiles", "account id", accountID); err != nil {
		return nil, "", err
	}
	p := page{what: "list profiles of account " + accountID, cols: profileCols, table: "profiles", id: "id",
		where: "account_id = ?", args: []any{accountID}}
	p.filter("name", name)
	return list(ctx, q, p, opts, scanProfile, profileKey)
}

// UpdateProfile writes p's Name, Description and Email if the stored row is
// still at p.Revision, then increments p.Revision and sets p.UpdatedAt. It
// leaves the identities and their revision alone. Errors: ErrNotFound,
// ErrConflict, ErrAlreadyExists (name taken in the account).
func (q *queries) UpdateProfile(ctx context.Context, p *Profile) error {
	t := now()
	err := q.update(ctx, "profile "+p.ID,
		`UPDATE profiles SET name = ?, description = ?, email = ?, updated_at = ?, revision = revision + 1
		 WHERE id = ? AND revision = ?`,
		[]any{p.Name, p.Description, p.Email, micros(t), p.ID, p.Revision},
		`SELECT 1 FROM profiles WHERE id = ?`, p.ID)
	if err != nil {
		return err
	}
	p.Revision++
	p.UpdatedAt = t
	return nil
}

// DeleteProfile deletes the profile and, by cascade, its rules, links and
// identities. Errors: ErrNotFound.
func (q *queries) DeleteProfile(ctx context.Context, id string) error {
	return q.execOne(ctx, "profile "+id, `DELETE FROM profiles WHERE id = ?`, id)
}

// filter adds "col = value" to p's condition unless value is "".
func (p *page) filter(col, value string) {
	if value == "" {
		return
	}
	p.where += " AND " + col + " = ?"
	p.args = append(p.args, value)
}

// jsonList scans a TEXT column holding a JSON array; [] reads as nil.
type jsonList[T any] []T

// Scan implements sql.Scanner.
func (l *jsonList[T]) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("store: JSON column holds %T, want text", src)
	}
	var out []T
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("store: JSON column: %w", err)
	}
	*l = nilIfEmpty(out)
	return nil
}

// jsonText encodes a list for a JSON TEXT column: nil is "[]".
func jsonText[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain strings and structs of strings reach here
	}
	return string(b)
}

func nilIfEmpty[T any](v []T) []T {
	if len(v) == 0 {
		return nil
	}
	return v
}

// optUsec scans a BIGINT unix-microseconds column in which 0 means "none"
// into a time.Time that is zero for 0.
type optUsec time.Time

// Scan implements sql.Scanner.
func (u *optUsec) Scan(src any) error {
	if v, ok := src.(int64); ok && v == 0 {
		*u = optUsec(time.Time{})
		return nil
	}
	return (*usec)(u).Scan(src)
}

// optMicros returns t as unix microseconds, 0 for the zero time.
func optMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

// optTime returns t as stored: zero stays zero, anything else is UTC at
// microsecond precision.
func optTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return fromMicros(micros(t))
}

// Condition is one condition of a claim rule, as IBM writes it: Value is a
// JSON value inside a string.
type Condition struct {
	Claim    string `json:"claim"`
	Operator string `json:"operator"`
	Value    string `json:"value"`
}

// ProfileRule is a claim rule of a trusted profile.
type ProfileRule struct {
	ID         string
	ProfileID  string
	Name       string
	Type       string // Profile-SAML or Profile-CR
	RealmName  string
	CRType     string
	Expiration int64 // session seconds
	Conditions []Condition
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Revision   int64
}

const ruleCols = "id, profile_id, name, type, realm_name, cr_type, expiration, conditions, created_at, updated_at, revision"

func scanRule(s scanner) (*ProfileRule, error) {
	r := new(ProfileRule)
	err := s.Scan(&r.ID, &r.ProfileID, &r.Name, &r.Type, &r.RealmName, &r.CRType, &r.Expiration,
		(*jsonList[Condition])(&r.Conditions), (*usec)(&r.CreatedAt), (*usec)(&r.UpdatedAt), &r.Revision)
	return r, err
}

// CreateProfileRule stores a new claim rule. It sets r.Revision to 1 and the
// times to now when zero. Errors: ErrAlreadyExists (same id),
// api.ErrFailedPrecondition (no such profile), api.ErrInvalid.
func (q *queries) CreateProfileRule(ctx context.Context, r *ProfileRule) error {
	if err := required("create profile rule", "id", r.ID, "profile id", r.ProfileID); err != nil {
		return err
	}
	created, updated := createTimes(r.CreatedAt, r.UpdatedAt)
	r.Conditions = nilIfEmpty(r.Conditions)
	err := q.create(ctx, "profile rule "+r.ID,
		`INSERT INTO profile_rules (id, profile_id, name, type, realm_name, cr_type, expiration, conditions,
		 created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		r.ID, r.ProfileID, r.Name, r.Type, r.RealmName, r.CRType, r.Expiration, jsonText(r.Conditions),
		micros(created), micros(updated))
	if err != nil {
		return err
	}
	r.CreatedAt, r.UpdatedAt, r.Revision = created, updated, 1
	return nil
}

// ProfileRule returns the rule id of the profile, or ErrNotFound.
func (q *queries) ProfileRule(ctx context.Context, profileID, id string) (*ProfileRule, error) {
	return getOne(ctx, q, scanRule, fmt.Sprintf("profile %s rule %s", profileID, id),
		`SELECT `+ruleCols+` FROM profile_rules WHERE profile_id = ? AND id = ?`, profileID, id)
}

// ListProfileRules returns every rule of the profile in creation order
// (none for a missing profile).
func (q *queries) ListProfileRules(ctx context.Context, profileID string) ([]*ProfileRule, error) {
	return getAll(ctx, q, scanRule, "rules of profile "+profileID,
		`SELECT `+ruleCols+` FROM profile_rules WHERE profile_id = ? ORDER BY created_at, id`, profileID)
}

// UpdateProfileRule writes every field of r but its ids and creation time
// if the stored row is still at r.Revision, then increments r.Revision and
// sets r.UpdatedAt. Errors: ErrNotFound, ErrConflict.
func (q *queries) UpdateProfileRule(ctx context.Context, r *ProfileRule) error {
	t := now()
	r.Conditions = nilIfEmpty(r.Conditions)
	err := q.update(ctx, fmt.Sprintf("profile %s rule %s", r.ProfileID, r.ID),
		`UPDATE profile_rules SET name = ?, type = ?, realm_name = ?, cr_type = ?, expiration = ?, conditions = ?,
		 updated_at = ?, revision = revision + 1 WHERE profile_id = ? AND id = ? AND revision = ?`,
		[]any{r.Name, r.Type, r.RealmName, r.CRType, r.Expiration, jsonText(r.Conditions), micros(t),
			r.ProfileID, r.ID, r.Revision},
		`SELECT 1 FROM profile_rules WHERE profile_id = ? AND id = ?`, r.ProfileID, r.ID)
	if err != nil {
		return err
	}
	r.Revision++
	r.UpdatedAt = t
	return nil
}

// DeleteProfileRule deletes rule id of the profile. Errors: ErrNotFound.
func (q *queries) DeleteProfileRule(ctx context.Context, profileID, id string) error {
	return q.execOne(ctx, fmt.Sprintf("profile %s rule %s", profileID, id),
		`DELETE FROM profile_rules WHERE profile_id = ? AND id = ?`, profileID, id)
}

// ProfileLink links a trusted profile to one compute resource. Links are
// immutable: create and delete only. Name is the link's own name;
// ServiceAccount is IBM's link.name (the Kubernetes service account).
type ProfileLink struct {
	ID             string
	ProfileID      string
	Name           string
	CRType         string
	CRN            string
	Namespace      string // IKS_SA, ROKS_SA
	ServiceAccount string // IKS_SA, ROKS_SA
	ComponentType  string // CE
	ComponentName  string // CE
	IsCrossAccount bool
	CreatedAt      time.Time
}

const linkCols = "id, profile_id, name, cr_type, crn, namespace, sa_name, component_type, component_name, " +
	"is_cross_account, created_at"

func scanLink(s scanner) (*ProfileLink, error) {
	l := new(ProfileLink)
	err := s.Scan(&l.ID, &l.ProfileID, &l.Name, &l.CRType, &l.CRN, &l.Namespace, &l.ServiceAccount,
		&l.ComponentType, &l.ComponentName, (*boolean)(&l.IsCrossAccount), (*usec)(&l.CreatedAt))
	return l, err
}

// CreateProfileLink stores a new link; it sets l.CreatedAt to now when zero.
// Errors: ErrAlreadyExists, api.ErrFailedPrecondition (no such profile),
// api.ErrInvalid.
func (q *queries) CreateProfileLink(ctx context.Context, l *ProfileLink) error {
	if err := required("create profile link", "id", l.ID, "profile id", l.ProfileID); err != nil {
		return err
	}
	created, _ := createTimes(l.CreatedAt, time.Time{})
	err := q.create(ctx, "profile link "+l.ID,
		`INSERT INTO profile_links (`+linkCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.ProfileID, l.Name, l.CRType, l.CRN, l.Namespace, l.ServiceAccount, l.ComponentType,
		l.ComponentName, l.IsCrossAccount, micros(created))
	if err != nil {
		return err
	}
	l.CreatedAt = created
	return nil
}

// ProfileLink returns link id of the profile, or ErrNotFound.
func (q *queries) ProfileLink(ctx context.Context, profileID, id string) (*ProfileLink, error) {
	return getOne(ctx, q, scanLink, fmt.Sprintf("profile %s link %s", profileID, id),
		`SELECT `+linkCols+` FROM profile_links WHERE profile_id = ? AND id = ?`, profileID, id)
}

// ListProfileLinks returns every link of the profile in creation order.
func (q *queries) ListProfileLinks(ctx context.Context, profileID string) ([]*ProfileLink, error) {
	return getAll(ctx, q, scanLink, "links of profile "+profileID,
		`SELECT `+linkCols+` FROM profile_links WHERE profile_id = ? ORDER BY created_at, id`, profileID)
}

// DeleteProfileLink deletes link id of the profile. Errors: ErrNotFound.
func (q *queries) DeleteProfileLink(ctx context.Context, profileID, id string) error {
	return q.execOne(ctx, fmt.Sprintf("profile %s link %s", profileID, id),
		`DELETE FROM profile_links WHERE profile_id = ? AND id = ?`, profileID, id)
}

// LinkFilter selects links to delete: CRType always, and each other field
// when not "".
type LinkFilter struct {
	CRType, CRN, Namespace, ServiceAccount, ComponentType, ComponentName string
}

// DeleteProfileLinksWhere deletes the profile's links that match f and
// returns how many it deleted (0 is not an error). Errors: api.ErrInvalid
// when f.CRType is empty.
func (q *queries) DeleteProfileLinksWhere(ctx context.Context, profileID string, f LinkFilter) (int64, error) {
	if err := required("delete profile links", "profile id", profileID, "cr type", f.CRType); err != nil {
		return 0, err
	}
	p := page{where: "profile_id = ?", args: []any{profileID}}
	p.filter("cr_type", f.CRType)
	p.filter("crn", f.CRN)
	p.filter("namespace", f.Namespace)
	p.filter("sa_name", f.ServiceAccount)
	p.filter("component_type", f.ComponentType)
	p.filter("component_name", f.ComponentName)
	what := "delete links of profile " + profileID
	res, err := q.exec(ctx, `DELETE FROM profile_links WHERE `+p.where, p.args...)
	if err != nil {
		return 0, wrap(err, "%s", what)
	}
	n, err := res.RowsAffected()
	return n, wrap(err, "%s", what)
}

// ProfileIdentity is an identity a trusted profile trusts: a user, a
// service ID or a CRN, with the iam_id derived from it.
type ProfileIdentity struct {
	ProfileID   string
	Type        string // user, serviceid or crn
	Identifier  string
	IAMID       string
	Accounts    []string // users only
	Description string
	CreatedAt   time.Time
}

const identityCols = "profile_id, type, identifier, iam_id, accounts, description, created_at"

func scanIdentity(s scanner) (*ProfileIdentity, error) {
	i := new(ProfileIdentity)
	err := s.Scan(&i.ProfileID, &i.Type, &i.Identifier, &i.IAMID, (*jsonList[string])(&i.Accounts),
		&i.Description, (*usec)(&i.CreatedAt))
	return i, err
}

// ListProfileIdentities returns the identities the profile trusts, ordered
// by type, then identifier.
func (q *queries) ListProfileIdentities(ctx context.Context, profileID string) ([]*ProfileIdentity, error) {
	return getAll(ctx, q, scanIdentity, "identities of profile "+profileID,
		`SELECT `+identityCols+` FROM profile_identities WHERE profile_id = ?
		 ORDER BY type, identifier`, profileID)
}

// ReplaceProfileIdentities replaces the whole set of identities the profile
// trusts, in one transaction, if the profile's IdentitiesRevision is still
// expectedRevision, and returns the new revision. The ProfileID of each
// element is set to profileID; zero CreatedAt become now. Errors:
// ErrNotFound (no profile), ErrConflict (stale revision), ErrAlreadyExists
// (the same type and identifier twice); nothing is written on error.
func (s *Store) ReplaceProfileIdentities(ctx context.Context, profileID string, expectedRevision int64,
	ids []*ProfileIdentity) (int64, error) {
	var rev int64
	err := s.Update(ctx, func(tx *Tx) error {
		var err error
		rev, err = tx.ReplaceProfileIdentities(ctx, profileID, expectedRevision, ids)
		return err
	})
	return rev, err
}

// ReplaceProfileIdentities is Store.ReplaceProfileIdentities inside a
// transaction.
func (tx *Tx) ReplaceProfileIdentities(ctx context.Context, profileID string, expectedRevision int64,
	ids []*ProfileIdentity) (int64, error) {
	what := "identities of profile " + profileID
	err := tx.update(ctx, what,
		`UPDATE profiles SET identities_revision = identities_revision + 1 WHERE id = ? AND identities_revision = ?`,
		[]any{profileID, expectedRevision}, `SELECT 1 FROM profiles WHERE id = ?`, profileID)
	if err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, `DELETE FROM profile_identities WHERE profile_id = ?`, profileID); err != nil {
		return 0, wrap(err, "%s", what)
	}
	t := now()
	for _, i := range ids {
		i.ProfileID, i.Accounts = profileID, nilIfEmpty(i.Accounts)
		i.CreatedAt = normal(i.CreatedAt, t)
		err := tx.create(ctx, fmt.Sprintf("profile %s identity %s %s", profileID, i.Type, i.Identifier),
			`INSERT INTO profile_identities (`+identityCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			profileID, i.Type, i.Identifier, i.IAMID, jsonText(i.Accounts), i.Description, micros(i.CreatedAt))
		if err != nil {
			return 0, err
		}
	}
	return expectedRevision + 1, nil
}
