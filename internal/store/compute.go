package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ComputeProject is a Code Engine style project of the compute runtime.
// Names are unique within an account.
type ComputeProject struct {
	GUID      string
	AccountID string
	Name      string
	Region    string
	CreatedAt time.Time
	UpdatedAt time.Time
	Revision  int64
}

const computeProjectCols = "guid, account_id, name, region, created_at, updated_at, revision"

func scanComputeProject(s scanner) (*ComputeProject, error) {
	p := new(ComputeProject)
	err := s.Scan(&p.GUID, &p.AccountID, &p.Name, &p.Region, (*usec)(&p.CreatedAt), (*usec)(&p.UpdatedAt), &p.Revision)
	return p, err
}

func computeProjectKey(p *ComputeProject) (time.Time, string) { return p.CreatedAt, p.GUID }

// CreateComputeProject stores a new project. It sets p.Revision to 1 and
// p.CreatedAt and p.UpdatedAt to now when zero. Errors: ErrAlreadyExists
// (same GUID, or same name in the account), api.ErrFailedPrecondition (no
// such account), api.ErrInvalid (empty GUID, account or name).
func (q *queries) CreateComputeProject(ctx context.Context, p *ComputeProject) error {
	if err := required("create compute project", "guid", p.GUID, "account id", p.AccountID, "name", p.Name); err != nil {
		return err
	}
	created, updated := createTimes(p.CreatedAt, p.UpdatedAt)
	err := q.create(ctx, "compute project "+p.GUID,
		`INSERT INTO compute_projects (guid, account_id, name, region, created_at, updated_at, revision)
		 VALUES (?, ?, ?, ?, ?, ?, 1)`,
		p.GUID, p.AccountID, p.Name, p.Region, micros(created), micros(updated))
	if err != nil {
		return err
	}
	p.CreatedAt, p.UpdatedAt, p.Revision = created, updated, 1
	return nil
}

// ComputeProject returns the project with the given GUID, or ErrNotFound.
func (q *queries) ComputeProject(ctx context.Context, guid string) (*ComputeProject, error) {
	return getOne(ctx, q, scanComputeProject, "compute project "+guid,
		`SELECT `+computeProjectCols+` FROM compute_projects WHERE guid = ?`, guid)
}

// ComputeProjectByName returns the project named name in the account, or
// ErrNotFound.
func (q *queries) ComputeProjectByName(ctx context.Context, accountID, name string) (*ComputeProject, error) {
	return getOne(ctx, q, scanComputeProject, fmt.Sprintf("account %s compute project named %q", accountID, name),
		`SELECT `+computeProjectCols+` FROM compute_projects WHERE account_id = ? AND name = ?`, accountID, name)
}

// ListComputeProjects returns a page of the account's projects. Errors:
// api.ErrInvalid for a bad page token.
func (q *queries) ListComputeProjects(ctx context.Context, accountID string, opts ListOptions) ([]*ComputeProject, string, error) {
	p := page{what: "list compute projects of account " + accountID, cols: computeProjectCols,
		table: "compute_projects", id: "guid", where: "account_id = ?", args: []any{accountID}}
	return list(ctx, q, p, opts, scanComputeProject, computeProjectKey)
}

// UpdateComputeProject writes the name and region if the stored row is
// still at p.Revision, then increments p.Revision and sets p.UpdatedAt.
// Errors: ErrNotFound, ErrConflict (stale revision), ErrAlreadyExists (name
// taken in the account).
func (q *queries) UpdateComputeProject(ctx context.Context, p *ComputeProject) error {
	t := now()
	err := q.update(ctx, "compute project "+p.GUID,
		`UPDATE compute_projects SET name = ?, region = ?, updated_at = ?, revision = revision + 1
		 WHERE guid = ? AND revision = ?`,
		[]any{p.Name, p.Region, micros(t), p.GUID, p.Revision},
		`SELECT 1 FROM compute_projects WHERE guid = ?`, p.GUID)
	if err != nil {
		return err
	}
	p.Revision++
	p.UpdatedAt = t
	return nil
}

// DeleteComputeProject deletes the project and its components. Errors:
// ErrNotFound.
func (q *queries) DeleteComputeProject(ctx context.Context, guid string) error {
	return q.execOne(ctx, "compute project "+guid, `DELETE FROM compute_projects WHERE guid = ?`, guid)
}

// ComputeComponent is an application or a job of a compute project. Names
// are unique within a project and type. Command and Arguments form the
// argv the runner starts; Env is plain configuration (never secrets).
type ComputeComponent struct {
	ID                     string
	ProjectGUID            string
	Type                   string // "application" or "job"
	Name                   string
	Image                  string
	Command                []string
	Arguments              []string
	Env                    map[string]string
	TrustedProfilesEnabled bool
	TrustedProfile         string // default trusted profile name, or ""
	CreatedAt              time.Time
	UpdatedAt              time.Time
	Revision               int64
}

const computeComponentCols = "id, project_guid, type, name, image, command, arguments, env, " +
	"trusted_profiles_enabled, trusted_profile, created_at, updated_at, revision"

func scanComputeComponent(s scanner) (*ComputeComponent, error) {
	c := new(ComputeComponent)
	err := s.Scan(&c.ID, &c.ProjectGUID, &c.Type, &c.Name, &c.Image, (*jsonList[string])(&c.Command),
		(*jsonList[string])(&c.Arguments), (*jsonMap)(&c.Env), (*boolean)(&c.TrustedProfilesEnabled),
		&c.TrustedProfile, (*usec)(&c.CreatedAt), (*usec)(&c.UpdatedAt), &c.Revision)
	return c, err
}

func computeComponentKey(c *ComputeComponent) (time.Time, string) { return c.CreatedAt, c.ID }

// CreateComputeComponent stores a new component. It sets c.Revision to 1
// and c.CreatedAt and c.UpdatedAt to now when zero. Errors:
// ErrAlreadyExists (same id, or same type and name in the project),
// api.ErrFailedPrecondition (no such project), api.ErrInvalid (empty id,
// project, type or name).
func (q *queries) CreateComputeComponent(ctx context.Context, c *ComputeComponent) error {
	if err := required("create compute component", "id", c.ID, "project", c.ProjectGUID, "type", c.Type,
		"name", c.Name); err != nil {
		return err
	}
	created, updated := createTimes(c.CreatedAt, c.UpdatedAt)
	err := q.create(ctx, "compute "+c.Type+" "+c.Name,
		`INSERT INTO compute_components (id, project_guid, type, name, image, command, arguments, env,
		 trusted_profiles_enabled, trusted_profile, created_at, updated_at, revision)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		c.ID, c.ProjectGUID, c.Type, c.Name, c.Image, jsonText(c.Command), jsonText(c.Arguments), jsonMapText(c.Env),
		c.TrustedProfilesEnabled, c.TrustedProfile, micros(created), micros(updated))
	if err != nil {
		return err
	}
	c.CreatedAt, c.UpdatedAt, c.Revision = created, updated, 1
	return nil
}

// ComputeComponent returns the component with the given id, or ErrNotFound.
func (q *queries) ComputeComponent(ctx context.Context, id string) (*ComputeComponent, error) {
	return getOne(ctx, q, scanComputeComponent, "compute component "+id,
		`SELECT `+computeComponentCols+` FROM compute_components WHERE id = ?`, id)
}

// ComputeComponentByName returns the component of the project with the
// type and name, or ErrNotFound.
func (q *queries) ComputeComponentByName(ctx context.Context, projectGUID, typ, name string) (*ComputeComponent, error) {
	return getOne(ctx, q, scanComputeComponent, fmt.Sprintf("compute project %s %s %q", projectGUID, typ, name),
		`SELECT `+computeComponentCols+` FROM compute_components WHERE project_guid = ? AND type = ? AND name = ?`,
		projectGUID, typ, name)
}

// ListComputeComponents returns a page of the project's components of the
// type (every type when typ is ""). Errors: api.ErrInvalid for a bad page
// token.
func (q *queries) ListComputeComponents(ctx context.Context, projectGUID, typ string, opts ListOptions) ([]*ComputeComponent, string, error) {
	p := page{what: "list components of compute project " + projectGUID, cols: computeComponentCols,
		table: "compute_components", id: "id", where: "project_guid = ?", args: []any{projectGUID}}
	if typ != "" {
		p.where += " AND type = ?"
		p.args = append(p.args, typ)
	}
	return list(ctx, q, p, opts, scanComputeComponent, computeComponentKey)
}

// UpdateComputeComponent writes every field but the id, project, type and
// creation time if the stored row is still at c.Revision, then increments
// c.Revision and sets c.UpdatedAt. Errors: ErrNotFound, ErrConflict (stale
// revision), ErrAlreadyExists (name taken).
func (q *queries) UpdateComputeComponent(ctx context.Context, c *ComputeComponent) error {
	t := now()
	err := q.update(ctx, "compute component "+c.ID,
		`UPDATE compute_components SET name = ?, image = ?, command = ?, arguments = ?, env = ?,
		 trusted_profiles_enabled = ?, trusted_profile = ?, updated_at = ?, revision = revision + 1
		 WHERE id = ? AND revision = ?`,
		[]any{c.Name, c.Image, jsonText(c.Command), jsonText(c.Arguments), jsonMapText(c.Env),
			c.TrustedProfilesEnabled, c.TrustedProfile, micros(t), c.ID, c.Revision},
		`SELECT 1 FROM compute_components WHERE id = ?`, c.ID)
	if err != nil {
		return err
	}
	c.Revision++
	c.UpdatedAt = t
	return nil
}

// DeleteComputeComponent deletes the component. Errors: ErrNotFound.
func (q *queries) DeleteComputeComponent(ctx context.Context, id string) error {
	return q.execOne(ctx, "compute component "+id, `DELETE FROM compute_components WHERE id = ?`, id)
}

// jsonMap scans a TEXT column holding a JSON object of strings; {} reads
// as nil.
type jsonMap map[string]string

// Scan implements sql.Scanner.
func (m *jsonMap) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("store: JSON column holds %T, want text", src)
	}
	var out map[string]string
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("store: JSON column: %w", err)
	}
	if len(out) == 0 {
		out = nil
	}
	*m = out
	return nil
}

// jsonMapText encodes a map for a JSON TEXT column: nil is "{}".
func jsonMapText(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // a map of strings always encodes
	}
	return string(b)
}
