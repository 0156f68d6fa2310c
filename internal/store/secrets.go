package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SecretGroup is a Secrets Manager secret group of an instance. Names are
// unique within an instance. The default group ("default") is implicit and
// has no row.
type SecretGroup struct {
	InstanceGUID string
	ID           string
	Name         string
	Description  string
	CreatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Revision     int64
}

const secretGroupCols = "instance_guid, id, name, description, created_by, created_at, updated_at, revision"

func scanSecretGroup(s scanner) (*SecretGroup, error) {
	g := new(SecretGroup)
	err := s.Scan(&g.InstanceGUID, &g.ID, &g.Name, &g.Description, &g.CreatedBy,
		(*usec)(&g.CreatedAt), (*usec)(&g.UpdatedAt), &g.Revision)
	return g, err
}

// CreateSecretGroup stores a new group. Errors: ErrAlreadyExists (same id or
// name in the instance), api.ErrFailedPrecondition (no such instance),
// api.ErrInvalid (empty instance, id or name).
func (q *queries) CreateSecretGroup(ctx context.Context, g *SecretGroup) error {
	if err := required("create secret group", "instance", g.InstanceGUID, "id", g.ID, "name", g.Name); err != nil {
		return err
	}
	created, updated := createTimes(g.CreatedAt, g.UpdatedAt)
	err := q.create(ctx, "secret group "+g.ID,
		`INSERT INTO secret_groups (`+secretGroupCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
		g.InstanceGUID, g.ID, g.Name, g.Description, g.CreatedBy, micros(created), micros(updated))
	if err != nil {
		return err
	}
	g.CreatedAt, g.UpdatedAt, g.Revision = created, updated, 1
	return nil
}

// SecretGroup returns the group id of the instance, or ErrNotFound.
func (q *queries) SecretGroup(ctx context.Context, instance, id string) (*SecretGroup, error) {
	return getOne(ctx, q, scanSecretGroup, "secret group "+id,
		`SELECT `+secretGroupCols+` FROM secret_groups WHERE instance_guid = ? AND id = ?`, instance, id)
}

// SecretGroupByName returns the group named name in the instance, or
// ErrNotFound.
func (q *queries) SecretGroupByName(ctx context.Context, instance, name string) (*SecretGroup, error) {
	return getOne(ctx, q, scanSecretGroup, fmt.Sprintf("secret group named %q", name),
		`SELECT `+secretGroupCols+` FROM secret_groups WHERE instance_guid = ? AND name = ?`, instance, name)
}

// SecretGroups returns every group of the instance, oldest first.
func (q *queries) SecretGroups(ctx context.Context, instance string) ([]*SecretGroup, error) {
	return getAll(ctx, q, scanSecretGroup, "list secret groups",
		`SELECT `+secretGroupCols+` FROM secret_groups WHERE instance_guid = ? ORDER BY created_at, id`, instance)
}

// UpdateSecretGroup writes the name and description under the revision
// rule. Errors: ErrNotFound, ErrConflict, ErrAlreadyExists (name taken).
func (q *queries) UpdateSecretGroup(ctx context.Context, g *SecretGroup) error {
	t := now()
	err := q.update(ctx, "secret group "+g.ID,
		`UPDATE secret_groups SET name = ?, description = ?, updated_at = ?, revision = revision + 1
		 WHERE instance_guid = ? AND id = ? AND revision = ?`,
		[]any{g.Name, g.Description, micros(t), g.InstanceGUID, g.ID, g.Revision},
		`SELECT 1 FROM secret_groups WHERE instance_guid = ? AND id = ?`, g.InstanceGUID, g.ID)
	if err != nil {
		return err
	}
	g.Revision++
	g.UpdatedAt = t
	return nil
}

// DeleteSecretGroup deletes the group (the caller checks that it is empty).
// Errors: ErrNotFound.
func (q *queries) DeleteSecretGroup(ctx context.Context, instance, id string) error {
	defer q.touchAll()
	return q.execOne(ctx, "secret group "+id, `DELETE FROM secret_groups WHERE instance_guid = ? AND id = ?`, instance, id)
}

// CountSecretsInGroup returns how many secrets the group holds.
func (q *queries) CountSecretsInGroup(ctx context.Context, instance, group string) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM secrets WHERE instance_guid = ? AND group_id = ?`, instance, group).Scan(&n)
	return n, wrap(err, "count secrets of group %s", group)
}

// Secret is a secret of an instance. Metadata is the service's JSON
// document of the type-specific metadata; the other fields are columns that
// lists filter and sort on. Zero ExpirationDate and NextRotationDate mean
// none. CurrentVersion is the id of the version with the highest sequence
// number (VersionsTotal).
type Secret struct {
	ID               string
	InstanceGUID     string
	GroupID          string
	Type             string
	Name             string
	Description      string
	Labels           []string
	State            int64
	ExpirationDate   time.Time
	NextRotationDate time.Time
	Metadata         []byte
	CurrentVersion   string
	VersionsTotal    int64
	LocksTotal       int64
	Downloaded       bool
	CreatedBy        string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	Revision         int64
}

const secretCols = "s.id, s.instance_guid, s.group_id, s.secret_type, s.name, s.description, s.labels, s.state, " +
	"s.expiration_date, s.next_rotation_date, s.metadata, s.current_version, s.versions_total, s.locks_total, " +
	"s.downloaded, s.created_by, s.created_at, s.updated_at, s.revision"

func secretDest(x *Secret, labels *string) []any {
	return []any{&x.ID, &x.InstanceGUID, &x.GroupID, &x.Type, &x.Name, &x.Description, labels, &x.State,
		(*nullUsec)(&x.ExpirationDate), (*nullUsec)(&x.NextRotationDate), (*textBytes)(&x.Metadata), &x.CurrentVersion,
		&x.VersionsTotal, &x.LocksTotal, (*boolean)(&x.Downloaded), &x.CreatedBy, (*usec)(&x.CreatedAt),
		(*usec)(&x.UpdatedAt), &x.Revision}
}

func scanSecret(s scanner) (*Secret, error) {
	x := new(Secret)
	var labels string
	if err := s.Scan(secretDest(x, &labels)...); err != nil {
		return nil, err
	}
	return x, decodeLabels(labels, x)
}

func decodeLabels(labels string, x *Secret) error {
	if labels == "[]" || labels == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(labels), &x.Labels); err != nil {
		return fmt.Errorf("store: secret %s labels: %v", x.ID, err)
	}
	return nil
}

func encodeLabels(labels []string) string {
	if len(labels) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(labels)
	return string(b)
}

// CreateSecret stores a new secret and its first version (v.Seq must be 1;
// x.CurrentVersion is set to v.ID and x.VersionsTotal to 1). Run it inside
// Update. Errors: ErrAlreadyExists (same id, or same name, type and group in
// the instance), api.ErrFailedPrecondition (no such instance), api.ErrInvalid.
func (q *queries) CreateSecret(ctx context.Context, x *Secret, v *SecretVersion) error {
	if err := required("create secret", "id", x.ID, "instance", x.InstanceGUID, "type", x.Type, "name", x.Name,
		"group", x.GroupID, "version id", v.ID); err != nil {
		return err
	}
	created, updated := createTimes(x.CreatedAt, x.UpdatedAt)
	x.CurrentVersion, x.VersionsTotal = v.ID, 1
	err := q.create(ctx, "secret "+x.ID,
		`INSERT INTO secrets (id, instance_guid, group_id, secret_type, name, description, labels, state,
		 expiration_date, next_rotation_date, metadata, current_version, versions_total, locks_total, downloaded,
		 created_by, created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?, 1)`,
		x.ID, x.InstanceGUID, x.GroupID, x.Type, x.Name, x.Description, encodeLabels(x.Labels), x.State,
		nullMicros(x.ExpirationDate), nullMicros(x.NextRotationDate), string(x.Metadata), v.ID, x.Downloaded,
		x.CreatedBy, micros(created), micros(updated))
	if err != nil {
		return err
	}
	q.touch(x.ID)
	x.CreatedAt, x.UpdatedAt, x.Revision, x.LocksTotal = created, updated, 1, 0
	if err := q.putLabels(ctx, x.ID, x.Labels, false); err != nil {
		return err
	}
	v.SecretID, v.Seq = x.ID, 1
	return q.CreateSecretVersion(ctx, v)
}

func (q *queries) putLabels(ctx context.Context, id string, labels []string, replace bool) error {
	if replace {
		if _, err := q.exec(ctx, `DELETE FROM secret_labels WHERE secret_id = ?`, id); err != nil {
			return wrap(err, "secret %s labels", id)
		}
	}
	for _, l := range labels {
		_, err := q.exec(ctx, `INSERT INTO secret_labels (secret_id, label) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, l)
		if err != nil {
			return wrap(err, "secret %s labels", id)
		}
	}
	return nil
}

// Secret returns the secret id of the instance, or ErrNotFound (also when
// it belongs to another instance).
func (q *queries) Secret(ctx context.Context, instance, id string) (*Secret, error) {
	return getOne(ctx, q, scanSecret, "secret "+id,
		`SELECT `+secretCols+` FROM secrets s WHERE s.id = ? AND s.instance_guid = ?`, id, instance)
}

// SecretByName returns the secret of the type named name in the group, or
// ErrNotFound.
func (q *queries) SecretByName(ctx context.Context, instance, group, secretType, name string) (*Secret, error) {
	return getOne(ctx, q, scanSecret, fmt.Sprintf("%s secret named %q", secretType, name),
		`SELECT `+secretCols+` FROM secrets s WHERE s.instance_guid = ? AND s.group_id = ? AND s.secret_type = ?
		 AND s.name = ?`, instance, group, secretType, name)
}

// SecretWithCurrent returns the secret id of the instance and its current
// version with the payload, in one indexed read. Errors: ErrNotFound.
func (q *queries) SecretWithCurrent(ctx context.Context, instance, id string) (*Secret, *SecretVersion, error) {
	if q.sc == nil || q.tx != nil { // no cache, or a transaction: it must see its own writes
		return q.secretWithCurrent(ctx, instance, id)
	}
	if x, v, ok := q.sc.get(instance, id); ok {
		return x, v, nil
	}
	snap := q.sc.snapshot(id)
	x, v, err := q.secretWithCurrent(ctx, instance, id)
	if err == nil {
		q.sc.put(snap, x, v)
	}
	return x, v, err
}

func (q *queries) secretWithCurrent(ctx context.Context, instance, id string) (*Secret, *SecretVersion, error) {
	x, v := new(Secret), new(SecretVersion)
	var labels string
	dest := append(secretDest(x, &labels), versionDest(v)...)
	err := q.queryRow(ctx, `SELECT `+secretCols+`, `+versionCols+` FROM secrets s
		JOIN secret_versions v ON v.id = s.current_version WHERE s.id = ? AND s.instance_guid = ?`, id, instance).Scan(dest...)
	if err != nil {
		return nil, nil, wrap(err, "secret %s", id)
	}
	if err := decodeLabels(labels, x); err != nil {
		return nil, nil, err
	}
	return x, v, nil
}

// UpdateSecret writes every mutable column of x (group, name, description,
// labels, state, dates, metadata, current version, versions total) under the
// revision rule. Errors: ErrNotFound, ErrConflict, ErrAlreadyExists (name).
func (q *queries) UpdateSecret(ctx context.Context, x *Secret) error {
	t := now()
	err := q.update(ctx, "secret "+x.ID,
		`UPDATE secrets SET group_id = ?, name = ?, description = ?, labels = ?, state = ?, expiration_date = ?,
		 next_rotation_date = ?, metadata = ?, current_version = ?, versions_total = ?, updated_at = ?,
		 revision = revision + 1 WHERE id = ? AND instance_guid = ? AND revision = ?`,
		[]any{x.GroupID, x.Name, x.Description, encodeLabels(x.Labels), x.State, nullMicros(x.ExpirationDate),
			nullMicros(x.NextRotationDate), string(x.Metadata), x.CurrentVersion, x.VersionsTotal, micros(t),
			x.ID, x.InstanceGUID, x.Revision},
		`SELECT 1 FROM secrets WHERE id = ? AND instance_guid = ?`, x.ID, x.InstanceGUID)
	q.touch(x.ID)
	if err != nil {
		return err
	}
	x.Revision++
	x.UpdatedAt = t
	return q.putLabels(ctx, x.ID, x.Labels, true)
}

// MarkSecretDownloaded records that the secret and its version were read,
// writing only what is not marked yet.
func (q *queries) MarkSecretDownloaded(ctx context.Context, secretID, versionID string) error {
	defer q.touch(secretID)
	if _, err := q.exec(ctx, `UPDATE secrets SET downloaded = ? WHERE id = ? AND downloaded = ?`, true, secretID, false); err != nil {
		return wrap(err, "secret %s", secretID)
	}
	_, err := q.exec(ctx, `UPDATE secret_versions SET downloaded = ? WHERE id = ? AND downloaded = ?`, true, versionID, false)
	return wrap(err, "secret %s version %s", secretID, versionID)
}

// DeleteSecret deletes the secret with its versions, locks and tasks.
// Errors: ErrNotFound.
func (q *queries) DeleteSecret(ctx context.Context, instance, id string) error {
	defer q.touch(id)
	return q.execOne(ctx, "secret "+id, `DELETE FROM secrets WHERE id = ? AND instance_guid = ?`, id, instance)
}

// SecretFilter selects and orders secrets for ListSecrets.
type SecretFilter struct {
	Offset, Limit int64  // Limit <= 0 means every secret
	Sort          string // id, created_at, updated_at, expiration_date, secret_type or name; "-" prefix descends
	Search        string // substring of id, name, description, a label or the type (case-insensitive)
	Groups        []string
	Types         []string
	Labels        []string // the secret carries every one
}

var secretSortCols = map[string]string{"id": "s.id", "created_at": "s.created_at", "updated_at": "s.updated_at",
	"expiration_date": "COALESCE(s.expiration_date, 9223372036854775807)", "secret_type": "s.secret_type", "name": "s.name"}

// ValidSecretSort reports whether sort is a sort key of SecretFilter.
func ValidSecretSort(sort string) bool {
	_, ok := secretSortCols[strings.TrimPrefix(sort, "-")]
	return ok || sort == ""
}

// ListSecrets returns the page of the instance's secrets f selects and the
// number of secrets matching f.
func (q *queries) ListSecrets(ctx context.Context, instance string, f SecretFilter) ([]*Secret, int64, error) {
	where, args := secretWhere(instance, f)
	var total int64
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM secrets s WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, wrap(err, "list secrets")
	}
	col, dir := secretSortCols["created_at"], "ASC"
	if c, ok := secretSortCols[strings.TrimPrefix(f.Sort, "-")]; ok {
		col = c
	}
	if strings.HasPrefix(f.Sort, "-") {
		dir = "DESC"
	}
	query := `SELECT ` + secretCols + ` FROM secrets s WHERE ` + where + ` ORDER BY ` + col + ` ` + dir + `, s.id ` + dir
	if f.Limit > 0 {
		query += ` LIMIT ? OFFSET ?`
		args = append(args, f.Limit, f.Offset)
	}
	out, err := getAll(ctx, q, scanSecret, "list secrets", query, args...)
	return out, total, err
}

func secretWhere(instance string, f SecretFilter) (string, []any) {
	var b strings.Builder
	args := []any{instance}
	b.WriteString("s.instance_guid = ?")
	in := func(col string, vals []string) {
		b.WriteString(" AND " + col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ") + ")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	if len(f.Groups) > 0 {
		in("s.group_id", f.Groups)
	}
	if len(f.Types) > 0 {
		in("s.secret_type", f.Types)
	}
	if labels := slices.Compact(slices.Sorted(slices.Values(f.Labels))); len(labels) > 0 {
		b.WriteString(" AND s.id IN (SELECT secret_id FROM secret_labels WHERE label IN (" +
			strings.TrimSuffix(strings.Repeat("?, ", len(labels)), ", ") + ") GROUP BY secret_id HAVING COUNT(*) = ?)")
		for _, l := range labels {
			args = append(args, l)
		}
		args = append(args, len(labels))
	}
	if f.Search != "" {
		like := "%" + likeEscape(strings.ToLower(f.Search)) + "%"
		b.WriteString(` AND (LOWER(s.id) LIKE ? ESCAPE '\' OR LOWER(s.name) LIKE ? ESCAPE '\'` +
			` OR LOWER(s.description) LIKE ? ESCAPE '\' OR LOWER(s.secret_type) LIKE ? ESCAPE '\'` +
			` OR EXISTS (SELECT 1 FROM secret_labels l WHERE l.secret_id = s.id AND LOWER(l.label) LIKE ? ESCAPE '\'))`)
		args = append(args, like, like, like, like, like)
	}
	return b.String(), args
}

// likeEscape escapes the LIKE wildcards of s with a backslash.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// nullUsec scans a nullable BIGINT unix-microseconds column; NULL is the
// zero time (unlike optUsec, where 0 is).
type nullUsec time.Time

// Scan implements sql.Scanner.
func (u *nullUsec) Scan(src any) error {
	if src == nil {
		*u = nullUsec(time.Time{})
		return nil
	}
	return (*usec)(u).Scan(src)
}

// nullMicros returns t as unix microseconds, or NULL when t is zero.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

// textBytes scans a TEXT or BYTEA column into a byte slice it owns.
type textBytes []byte

// Scan implements sql.Scanner.
func (b *textBytes) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*b = nil
	case string:
		*b = []byte(v)
	case []byte:
		*b = append([]byte(nil), v...)
	default:
		return fmt.Errorf("store: text column holds %T", src)
	}
	return nil
}
