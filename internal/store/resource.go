package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ResourceGroup is a resource group of an account: instances belong to one.
// Names are unique within an account, and an account has at most one
// default group (IsDefault).
type ResourceGroup struct {
	ID        string
	AccountID string
	Name      string
	IsDefault bool
	State     string
	CreatedAt time.Time
	UpdatedAt time.Time
	Revision  int64
}

const resourceGroupCols = "id, account_id, name, is_default, state, created_at, updated_at, revision"

func scanResourceGroup(s scanner) (*ResourceGroup, error) {
	g := new(ResourceGroup)
	err := s.Scan(&g.ID, &g.AccountID, &g.Name, (*boolean)(&g.IsDefault), &g.State,
		(*usec)(&g.CreatedAt), (*usec)(&g.UpdatedAt), &g.Revision)
	return g, err
}

func resourceGroupKey(g *ResourceGroup) (time.Time, string) { return g.CreatedAt, g.ID }

// CreateResourceGroup stores a new resource group. It sets g.Revision to 1
// and g.CreatedAt and g.UpdatedAt to now when zero. Errors: ErrAlreadyExists
// (same id, same name in the account, or a second default group of the
// account), api.ErrFailedPrecondition (no such account), api.ErrInvalid
// (empty id or account id).
func (q *queries) CreateResourceGroup(ctx context.Context, g *ResourceGroup) error {
	if err := required("create resource group", "id", g.ID, "account id", g.AccountID); err != nil {
		return err
	}
	created, updated := createTimes(g.CreatedAt, g.UpdatedAt)
	err := q.create(ctx, "resource group "+g.ID,
		`INSERT INTO resource_groups (id, account_id, name, is_default, state, created_at, updated_at, revision)
		 VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
		g.ID, g.AccountID, g.Name, g.IsDefault, g.State, micros(created), micros(updated))
	if err != nil {
		return err
	}
	g.CreatedAt, g.UpdatedAt, g.Revision = created, updated, 1
	return nil
}

// ResourceGroup returns the resource group with the given id, or ErrNotFound.
func (q *queries) ResourceGroup(ctx context.Context, id string) (*ResourceGroup, error) {
	return getOne(ctx, q, scanResourceGroup, "resource group "+id,
		`SELECT `+resourceGroupCols+` FROM resource_groups WHERE id = ?`, id)
}

// ResourceGroupByName returns the account's resource group with the name,
// or ErrNotFound.
func (q *queries) ResourceGroupByName(ctx context.Context, accountID, name string) (*ResourceGroup, error) {
	return getOne(ctx, q, scanResourceGroup, fmt.Sprintf("account %s resource group named %q", accountID, name),
		`SELECT `+resourceGroupCols+` FROM resource_groups WHERE account_id = ? AND name = ?`, accountID, name)
}

// DefaultResourceGroup returns the account's default resource group, or
// ErrNotFound.
func (q *queries) DefaultResourceGroup(ctx context.Context, accountID string) (*ResourceGroup, error) {
	return getOne(ctx, q, scanResourceGroup, fmt.Sprintf("account %s default resource group", accountID),
		`SELECT `+resourceGroupCols+` FROM resource_groups WHERE account_id = ? AND is_default = ?`, accountID, true)
}

// ListResourceGroups returns a page of the account's resource groups.
// Errors: api.ErrInvalid for a bad page token.
func (q *queries) ListResourceGroups(ctx context.Context, accountID string, opts ListOptions) ([]*ResourceGroup, string, error) {
	p := page{what: "list resource groups of account " + accountID, cols: resourceGroupCols,
		table: "resource_groups", id: "id", where: "account_id = ?", args: []any{accountID}}
	return list(ctx, q, p, opts, scanResourceGroup, resourceGroupKey)
}

// UpdateResourceGroup writes the name, default flag and state if the stored
// row is still at g.Revision, then increments g.Revision and sets
// g.UpdatedAt. Errors: ErrNotFound, ErrConflict (stale revision),
// ErrAlreadyExists (name taken in the account, or a second default).
func (q *queries) UpdateResourceGroup(ctx context.Context, g *ResourceGroup) error {
	t := now()
	err := q.update(ctx, "resource group "+g.ID,
		`UPDATE resource_groups SET name = ?, is_default = ?, state = ?, updated_at = ?, revision = revision + 1
		 WHERE id = ? AND revision = ?`,
		[]any{g.Name, g.IsDefault, g.State, micros(t), g.ID, g.Revision},
		`SELECT 1 FROM resource_groups WHERE id = ?`, g.ID)
	if err != nil {
		return err
	}
	g.Revision++
	g.UpdatedAt = t
	return nil
}

// DeleteResourceGroup deletes the resource group unless an instance (in any
// state) still belongs to it. Errors: ErrNotFound, api.ErrFailedPrecondition
// (the group holds instances).
func (q *queries) DeleteResourceGroup(ctx context.Context, id string) error {
	what := "resource group " + id
	err := q.execOne(ctx, what, `DELETE FROM resource_groups WHERE id = ?
		AND NOT EXISTS (SELECT 1 FROM instances WHERE resource_group_id = ?)`, id, id)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return err
	}
	if _, gerr := q.ResourceGroup(ctx, id); gerr != nil {
		return gerr
	}
	return fmt.Errorf("%s still holds instances: %w", what, errForeignKey)
}

// ResourceInstance is an instance as the Resource Controller sees it: the
// Instance row with its lifecycle columns. DeletedAt and ReclaimAt are zero
// until the instance is deleted; Parameters is a JSON object ("{}" when
// none were given).
type ResourceInstance struct {
	Instance
	CreatedBy  string
	UpdatedBy  string
	DeletedBy  string
	DeletedAt  time.Time
	ReclaimAt  time.Time
	Parameters string
}

const resourceInstanceCols = instanceCols + ", created_by, updated_by, deleted_by, deleted_at, reclaim_at, parameters"

func scanResourceInstance(s scanner) (*ResourceInstance, error) {
	ri := new(ResourceInstance)
	in := &ri.Instance
	err := s.Scan(&in.GUID, &in.AccountID, &in.Name, &in.Region, &in.ResourceGroupID, &in.Plan, &in.State,
		(*usec)(&in.CreatedAt), (*usec)(&in.UpdatedAt), &in.Revision,
		&ri.CreatedBy, &ri.UpdatedBy, &ri.DeletedBy, (*optUsec)(&ri.DeletedAt), (*optUsec)(&ri.ReclaimAt), &ri.Parameters)
	return ri, err
}

func resourceInstanceKey(ri *ResourceInstance) (time.Time, string) { return ri.CreatedAt, ri.GUID }

// CreateResourceInstance stores a new instance with its lifecycle columns,
// like CreateInstance (same errors). Empty Parameters are stored as "{}".
func (q *queries) CreateResourceInstance(ctx context.Context, ri *ResourceInstance) error {
	in := &ri.Instance
	if err := required("create instance", "guid", in.GUID, "account id", in.AccountID); err != nil {
		return err
	}
	if ri.Parameters == "" {
		ri.Parameters = "{}"
	}
	created, updated := createTimes(in.CreatedAt, in.UpdatedAt)
	err := q.create(ctx, "instance "+in.GUID,
		`INSERT INTO instances (guid, account_id, name, region, resource_group_id, plan, state,
		 created_at, updated_at, revision, created_by, updated_by, deleted_by, deleted_at, reclaim_at, parameters)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`,
		in.GUID, in.AccountID, in.Name, in.Region, in.ResourceGroupID, in.Plan, in.State,
		micros(created), micros(updated), ri.CreatedBy, ri.UpdatedBy, ri.DeletedBy,
		optMicros(ri.DeletedAt), optMicros(ri.ReclaimAt), ri.Parameters)
	if err != nil {
		return err
	}
	in.CreatedAt, in.UpdatedAt, in.Revision = created, updated, 1
	ri.DeletedAt, ri.ReclaimAt = optTime(ri.DeletedAt), optTime(ri.ReclaimAt)
	return nil
}

// ResourceInstance returns the instance with the given GUID and its
// lifecycle columns, or ErrNotFound.
func (q *queries) ResourceInstance(ctx context.Context, guid string) (*ResourceInstance, error) {
	return getOne(ctx, q, scanResourceInstance, "instance "+guid,
		`SELECT `+resourceInstanceCols+` FROM instances WHERE guid = ?`, guid)
}

// ResourceInstanceFilter selects instances; empty fields match anything.
type ResourceInstanceFilter struct {
	AccountID       string
	GUID            string
	Name            string
	ResourceGroupID string
	Plan            string
	States          []string  // any of these states
	UpdatedFrom     time.Time // updated at or after
	UpdatedTo       time.Time // updated at or before
}

func (f ResourceInstanceFilter) where() (string, []any) {
	var conds []string
	var args []any
	eq := func(col, v string) {
		if v != "" {
			conds, args = append(conds, col+" = ?"), append(args, v)
		}
	}
	eq("account_id", f.AccountID)
	eq("guid", f.GUID)
	eq("name", f.Name)
	eq("resource_group_id", f.ResourceGroupID)
	eq("plan", f.Plan)
	if len(f.States) > 0 {
		conds = append(conds, "state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, s := range f.States {
			args = append(args, s)
		}
	}
	if !f.UpdatedFrom.IsZero() {
		conds, args = append(conds, "updated_at >= ?"), append(args, micros(f.UpdatedFrom))
	}
	if !f.UpdatedTo.IsZero() {
		conds, args = append(conds, "updated_at <= ?"), append(args, micros(f.UpdatedTo))
	}
	return strings.Join(conds, " AND "), args
}

// ListResourceInstances returns a page of the instances f selects. Errors:
// api.ErrInvalid for a bad page token.
func (q *queries) ListResourceInstances(ctx context.Context, f ResourceInstanceFilter, opts ListOptions) ([]*ResourceInstance, string, error) {
	where, args := f.where()
	p := page{what: "list resource instances", cols: resourceInstanceCols, table: "instances", id: "guid",
		where: where, args: args}
	return list(ctx, q, p, opts, scanResourceInstance, resourceInstanceKey)
}

// UpdateResourceInstance writes every field but the GUID, account and
// creation time if the stored row is still at ri.Revision, then increments
// ri.Revision and sets ri.UpdatedAt. Errors: ErrNotFound, ErrConflict
// (stale revision), ErrAlreadyExists (name taken in the account).
func (q *queries) UpdateResourceInstance(ctx context.Context, ri *ResourceInstance) error {
	t := now()
	in := &ri.Instance
	err := q.update(ctx, "instance "+in.GUID,
		`UPDATE instances SET name = ?, region = ?, resource_group_id = ?, plan = ?, state = ?, updated_at = ?,
		 updated_by = ?, deleted_by = ?, deleted_at = ?, reclaim_at = ?, parameters = ?,
		 revision = revision + 1 WHERE guid = ? AND revision = ?`,
		[]any{in.Name, in.Region, in.ResourceGroupID, in.Plan, in.State, micros(t),
			ri.UpdatedBy, ri.DeletedBy, optMicros(ri.DeletedAt), optMicros(ri.ReclaimAt), ri.Parameters,
			in.GUID, in.Revision},
		`SELECT 1 FROM instances WHERE guid = ?`, in.GUID)
	if err != nil {
		return err
	}
	in.Revision++
	in.UpdatedAt = t
	ri.DeletedAt, ri.ReclaimAt = optTime(ri.DeletedAt), optTime(ri.ReclaimAt)
	return nil
}

// DueReclamations returns up to limit instances in state whose reclaim time
// is set and at or before t, the earliest first.
func (q *queries) DueReclamations(ctx context.Context, state string, t time.Time, limit int) ([]*ResourceInstance, error) {
	return getAll(ctx, q, scanResourceInstance, "due reclamations",
		`SELECT `+resourceInstanceCols+` FROM instances WHERE state = ? AND reclaim_at > 0 AND reclaim_at <= ?
		 ORDER BY reclaim_at, guid LIMIT ?`, state, micros(t), limit)
}
