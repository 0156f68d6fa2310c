package store

import (
	"context"
	"fmt"
	"time"
)

// This file holds the IAM policies, access groups and group members of
// migration 0007. The policy contents (subject, resource, tags, roles, rule)
// are JSON texts that the store keeps without reading them; the access
// service encodes them and keeps the derived columns (SubjectIAMID,
// SubjectGroupID, ServiceName, ServiceType, MatchKey) in step.

// Policy is an IAM access or authorization policy of an account.
type Policy struct {
	ID           string
	AccountID    string
	Type         string // access or authorization
	State        string // active or deleted
	Description  string
	Subject      string // JSON array of attributes
	Resource     string // JSON array of attributes
	ResourceTags string // JSON array of attributes
	Roles        string // JSON array of role ids
	Rule         string // JSON object, "" for none
	Pattern      string

	SubjectIAMID   string // access policies on an iam_id
	SubjectGroupID string // access policies on an access group
	ServiceName    string // the resource's serviceName, if any
	ServiceType    string // service or platform_service
	// MatchKey identifies the policy's type, subject, resource and tags: no
	// two active policies of an account share it.
	MatchKey string

	CreatedAt        time.Time
	CreatedByID      string
	UpdatedAt        time.Time // IBM's last_modified_at
	LastModifiedByID string
	Revision         int64
}

const policyCols = "id, account_id, type, state, description, subject, resource, resource_tags, roles, rule, " +
	"pattern, subject_iam_id, subject_group_id, service_name, service_type, match_key, created_at, created_by_id, " +
	"updated_at, last_modified_by_id, revision"

func scanPolicy(s scanner) (*Policy, error) {
	p := new(Policy)
	err := s.Scan(&p.ID, &p.AccountID, &p.Type, &p.State, &p.Description, &p.Subject, &p.Resource, &p.ResourceTags,
		&p.Roles, &p.Rule, &p.Pattern, &p.SubjectIAMID, &p.SubjectGroupID, &p.ServiceName, &p.ServiceType,
		&p.MatchKey, (*usec)(&p.CreatedAt), &p.CreatedByID, (*usec)(&p.UpdatedAt), &p.LastModifiedByID, &p.Revision)
	return p, err
}

// CreatePolicy stores a new policy. It sets p.Revision to 1 and p.CreatedAt
// and p.UpdatedAt to now when zero. Errors: ErrAlreadyExists (same id, or an
// active policy of the account with the same MatchKey),
// api.ErrFailedPrecondition (no such account), api.ErrInvalid (empty id,
// account id or match key).
func (q *queries) CreatePolicy(ctx context.Context, p *Policy) error {
	if err := required("create policy", "id", p.ID, "account id", p.AccountID, "match key", p.MatchKey); err != nil {
		return err
	}
	created, updated := createTimes(p.CreatedAt, p.UpdatedAt)
	err := q.create(ctx, "policy "+p.ID,
		`INSERT INTO policies (`+policyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		p.ID, p.AccountID, p.Type, p.State, p.Description, p.Subject, p.Resource, p.ResourceTags, p.Roles, p.Rule,
		p.Pattern, p.SubjectIAMID, p.SubjectGroupID, p.ServiceName, p.ServiceType, p.MatchKey, micros(created),
		p.CreatedByID, micros(updated), p.LastModifiedByID)
	if err != nil {
		return err
	}
	p.CreatedAt, p.UpdatedAt, p.Revision = created, updated, 1
	return nil
}

// Policy returns the policy with the given id, or ErrNotFound.
func (q *queries) Policy(ctx context.Context, id string) (*Policy, error) {
	return getOne(ctx, q, scanPolicy, "policy "+id, `SELECT `+policyCols+` FROM policies WHERE id = ?`, id)
}

// ActivePolicyByMatchKey returns the account's active policy with the
// match key, or ErrNotFound.
func (q *queries) ActivePolicyByMatchKey(ctx context.Context, accountID, key string) (*Policy, error) {
	return getOne(ctx, q, scanPolicy, fmt.Sprintf("account %s active policy with key %s", accountID, key),
		`SELECT `+policyCols+` FROM policies WHERE account_id = ? AND match_key = ? AND state = 'active'`,
		accountID, key)
}

// PolicyFilter selects policies of one account; every other field that is
// not "" must match exactly.
type PolicyFilter struct {
	AccountID     string // required
	IAMID         string // subject iam_id
	AccessGroupID string // subject access_group_id
	Type          string
	State         string
	ServiceName   string
	ServiceType   string
}

// maxPolicyList bounds ListPolicies; IBM allows a few thousand policies per
// account.
const maxPolicyList = 10000

// ListPolicies returns the policies the filter selects, ordered by creation
// time and id, at most 10000. The service sorts and pages them (IBM's
// policy lists sort on several fields). Errors: api.ErrInvalid (no account).
func (q *queries) ListPolicies(ctx context.Context, f PolicyFilter) ([]*Policy, error) {
	if err := required("list policies", "account id", f.AccountID); err != nil {
		return nil, err
	}
	p := page{where: "account_id = ?", args: []any{f.AccountID}}
	p.filter("subject_iam_id", f.IAMID)
	p.filter("subject_group_id", f.AccessGroupID)
	p.filter("type", f.Type)
	p.filter("state", f.State)
	p.filter("service_name", f.ServiceName)
	p.filter("service_type", f.ServiceType)
	return getAll(ctx, q, scanPolicy, "list policies of account "+f.AccountID,
		`SELECT `+policyCols+` FROM policies WHERE `+p.where+` ORDER BY created_at, id LIMIT ?`,
		append(p.args, maxPolicyList)...)
}

// UpdatePolicy writes every field of p but its id, account, type and
// creation fields if the stored row is still at p.Revision, then increments
// p.Revision and sets p.UpdatedAt. Errors: ErrNotFound, ErrConflict (stale
// revision), ErrAlreadyExists (another active policy has p.MatchKey).
func (q *queries) UpdatePolicy(ctx context.Context, p *Policy) error {
	t := now()
	err := q.update(ctx, "policy "+p.ID,
		`UPDATE policies SET state = ?, description = ?, subject = ?, resource = ?, resource_tags = ?, roles = ?,
		 rule = ?, pattern = ?, subject_iam_id = ?, subject_group_id = ?, service_name = ?, service_type = ?,
		 match_key = ?, updated_at = ?, last_modified_by_id = ?, revision = revision + 1
		 WHERE id = ? AND revision = ?`,
		[]any{p.State, p.Description, p.Subject, p.Resource, p.ResourceTags, p.Roles, p.Rule, p.Pattern,
			p.SubjectIAMID, p.SubjectGroupID, p.ServiceName, p.ServiceType, p.MatchKey, micros(t),
			p.LastModifiedByID, p.ID, p.Revision},
		`SELECT 1 FROM policies WHERE id = ?`, p.ID)
	if err != nil {
		return err
	}
	p.Revision++
	p.UpdatedAt = t
	return nil
}

// DeletePolicy deletes the policy. Errors: ErrNotFound.
func (q *queries) DeletePolicy(ctx context.Context, id string) error {
	return q.execOne(ctx, "policy "+id, `DELETE FROM policies WHERE id = ?`, id)
}

// DeletePoliciesOfGroup deletes every policy of the account whose subject is
// the access group and returns how many there were.
func (q *queries) DeletePoliciesOfGroup(ctx context.Context, accountID, groupID string) (int64, error) {
	what := fmt.Sprintf("delete policies of access group %s", groupID)
	res, err := q.exec(ctx, `DELETE FROM policies WHERE account_id = ? AND subject_group_id = ?`, accountID, groupID)
	if err != nil {
		return 0, wrap(err, "%s", what)
	}
	n, err := res.RowsAffected()
	return n, wrap(err, "%s", what)
}

// PoliciesFor returns the active access policies of the account whose
// subject is iamID or one of the account's access groups iamID is a member
// of (one query), in creation order, and the ids of those groups.
func (q *queries) PoliciesFor(ctx context.Context, accountID, iamID string) ([]*Policy, []string, error) {
	groups, err := q.AccessGroupsOf(ctx, accountID, iamID)
	if err != nil {
		return nil, nil, err
	}
	ps, err := getAll(ctx, q, scanPolicy, fmt.Sprintf("policies of %s in account %s", iamID, accountID),
		`SELECT `+policyCols+` FROM policies WHERE account_id = ? AND state = 'active' AND type = 'access'
		 AND (subject_iam_id = ? OR subject_group_id IN (SELECT m.group_id FROM access_group_members m
		 JOIN access_groups g ON g.id = m.group_id WHERE g.account_id = ? AND m.iam_id = ?))
		 ORDER BY created_at, id`, accountID, iamID, accountID, iamID)
	if err != nil {
		return nil, nil, err
	}
	return ps, groups, nil
}

// Access groups and their members.

// AccessGroup is an IAM access group: a set of users, service IDs and
// trusted profiles that policies name as one subject. Names are unique in an
// account.
type AccessGroup struct {
	ID               string // AccessGroupId-<uuid>
	AccountID        string
	Name             string
	Description      string
	CreatedAt        time.Time
	CreatedByID      string
	UpdatedAt        time.Time // IBM's last_modified_at
	LastModifiedByID string
	Revision         int64
}

const groupCols = "id, account_id, name, description, created_at, created_by_id, updated_at, last_modified_by_id, revision"

func scanGroup(s scanner) (*AccessGroup, error) {
	g := new(AccessGroup)
	err := s.Scan(&g.ID, &g.AccountID, &g.Name, &g.Description, (*usec)(&g.CreatedAt), &g.CreatedByID,
		(*usec)(&g.UpdatedAt), &g.LastModifiedByID, &g.Revision)
	return g, err
}

func groupKey(g *AccessGroup) (time.Time, string) { return g.CreatedAt, g.ID }

// CreateAccessGroup stores a new access group. It sets g.Revision to 1 and
// the times to now when zero. Errors: ErrAlreadyExists (same id, or name in
// the account), api.ErrFailedPrecondition (no such account), api.ErrInvalid.
func (q *queries) CreateAccessGroup(ctx context.Context, g *AccessGroup) error {
	if err := required("create access group", "id", g.ID, "account id", g.AccountID, "name", g.Name); err != nil {
		return err
	}
	created, updated := createTimes(g.CreatedAt, g.UpdatedAt)
	err := q.create(ctx, "access group "+g.ID,
		`INSERT INTO access_groups (`+groupCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		g.ID, g.AccountID, g.Name, g.Description, micros(created), g.CreatedByID, micros(updated), g.LastModifiedByID)
	if err != nil {
		return err
	}
	g.CreatedAt, g.UpdatedAt, g.Revision = created, updated, 1
	return nil
}

// AccessGroup returns the access group with the given id, or ErrNotFound.
func (q *queries) AccessGroup(ctx context.Context, id string) (*AccessGroup, error) {
	return getOne(ctx, q, scanGroup, "access group "+id, `SELECT `+groupCols+` FROM access_groups WHERE id = ?`, id)
}

// ListAccessGroups returns a page of the account's access groups, only the
// one named name unless it is "". Errors: api.ErrInvalid (bad page token,
// no account).
func (q *queries) ListAccessGroups(ctx context.Context, accountID, name string, opts ListOptions) ([]*AccessGroup, string, error) {
	if err := required("list access groups", "account id", accountID); err != nil {
		return nil, "", err
	}
	p := page{what: "list access groups of account " + accountID, cols: groupCols, table: "access_groups", id: "id",
		where: "account_id = ?", args: []any{accountID}}
	p.filter("name", name)
	return list(ctx, q, p, opts, scanGroup, groupKey)
}

// UpdateAccessGroup writes g's Name, Description and LastModifiedByID if the
// stored row is still at g.Revision, then increments g.Revision and sets
// g.UpdatedAt. Errors: ErrNotFound, ErrConflict, ErrAlreadyExists (name
// taken).
func (q *queries) UpdateAccessGroup(ctx context.Context, g *AccessGroup) error {
	t := now()
	err := q.update(ctx, "access group "+g.ID,
		`UPDATE access_groups SET name = ?, description = ?, last_modified_by_id = ?, updated_at = ?,
		 revision = revision + 1 WHERE id = ? AND revision = ?`,
		[]any{g.Name, g.Description, g.LastModifiedByID, micros(t), g.ID, g.Revision},
		`SELECT 1 FROM access_groups WHERE id = ?`, g.ID)
	if err != nil {
		return err
	}
	g.Revision++
	g.UpdatedAt = t
	return nil
}

// DeleteAccessGroup deletes the group and, by cascade, its members (not its
// policies: see DeletePoliciesOfGroup). Errors: ErrNotFound.
func (q *queries) DeleteAccessGroup(ctx context.Context, id string) error {
	return q.execOne(ctx, "access group "+id, `DELETE FROM access_groups WHERE id = ?`, id)
}

// GroupMember is the membership of an iam_id in an access group.
type GroupMember struct {
	GroupID     string
	IAMID       string
	Type        string // user, service or profile
	CreatedAt   time.Time
	CreatedByID string
}

const memberCols = "group_id, iam_id, type, created_at, created_by_id"

func scanMember(s scanner) (*GroupMember, error) {
	m := new(GroupMember)
	err := s.Scan(&m.GroupID, &m.IAMID, &m.Type, (*usec)(&m.CreatedAt), &m.CreatedByID)
	return m, err
}

// AddAccessGroupMember adds m to its group unless it is a member already; it
// reports whether it was added, and sets m.CreatedAt to now when zero.
// Errors: api.ErrFailedPrecondition (no such group), api.ErrInvalid.
func (q *queries) AddAccessGroupMember(ctx context.Context, m *GroupMember) (bool, error) {
	if err := required("add access group member", "group id", m.GroupID, "iam id", m.IAMID); err != nil {
		return false, err
	}
	created, _ := createTimes(m.CreatedAt, time.Time{})
	what := fmt.Sprintf("access group %s member %s", m.GroupID, m.IAMID)
	res, err := q.exec(ctx, `INSERT INTO access_group_members (`+memberCols+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (group_id, iam_id) DO NOTHING`, m.GroupID, m.IAMID, m.Type, micros(created), m.CreatedByID)
	if err != nil {
		return false, wrap(err, "%s", what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(err, "%s", what)
	}
	if n == 1 {
		m.CreatedAt = created
	}
	return n == 1, nil
}

// AccessGroupMember returns the membership of iamID in the group, or
// ErrNotFound.
func (q *queries) AccessGroupMember(ctx context.Context, groupID, iamID string) (*GroupMember, error) {
	return getOne(ctx, q, scanMember, fmt.Sprintf("access group %s member %s", groupID, iamID),
		`SELECT `+memberCols+` FROM access_group_members WHERE group_id = ? AND iam_id = ?`, groupID, iamID)
}

// ListAccessGroupMembers returns every member of the group in the order they
// were added (none for a missing group).
func (q *queries) ListAccessGroupMembers(ctx context.Context, groupID string) ([]*GroupMember, error) {
	return getAll(ctx, q, scanMember, "members of access group "+groupID,
		`SELECT `+memberCols+` FROM access_group_members WHERE group_id = ? ORDER BY created_at, iam_id`, groupID)
}

// DeleteAccessGroupMember removes iamID from the group. Errors: ErrNotFound.
func (q *queries) DeleteAccessGroupMember(ctx context.Context, groupID, iamID string) error {
	return q.execOne(ctx, fmt.Sprintf("access group %s member %s", groupID, iamID),
		`DELETE FROM access_group_members WHERE group_id = ? AND iam_id = ?`, groupID, iamID)
}

// AccessGroupsOf returns the ids of the account's access groups iamID is a
// member of, sorted.
func (q *queries) AccessGroupsOf(ctx context.Context, accountID, iamID string) ([]string, error) {
	ids, err := getAll(ctx, q, func(s scanner) (*string, error) {
		var id string
		return &id, s.Scan(&id)
	}, fmt.Sprintf("access groups of %s in account %s", iamID, accountID),
		`SELECT g.id FROM access_group_members m JOIN access_groups g ON g.id = m.group_id
		 WHERE g.account_id = ? AND m.iam_id = ? ORDER BY g.id`, accountID, iamID)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = *id
	}
	return out, nil
}
