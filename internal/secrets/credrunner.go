package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/credprovider"
	"github.com/cofferhq/coffer/internal/store"
)

// This file runs the tasks of custom_credentials secrets whose
// configuration names a built-in provider (coffer_provider): the
// TaskRunner claims queued tasks, calls credprovider, and answers each
// task through replaceTask, the internals of ReplaceSecretTask, exactly as
// an external provider answers through PUT .../tasks/{id}.
//
// Storage of retries, version 1 (no schema of its own): a task being
// retried stays queued and its errors array holds one {code, description}
// per failed attempt, so the attempt count is len(errors) and the next
// attempt is due at last_update_date + backoff(attempts). A claimed task is
// processing; its claim is the row's revision (UpdateSecretTask conflicts
// when another node claimed it first) and its lease starts at
// last_update_date.

// Defaults of TaskRunnerConfig.
const (
	DefaultTaskInterval    = 10 * time.Second
	DefaultTaskBackoff     = 30 * time.Second
	DefaultTaskMaxBackoff  = 30 * time.Minute
	DefaultTaskMaxAttempts = 8
	DefaultTaskLease       = 5 * time.Minute
)

// TaskRunnerConfig configures a TaskRunner. Zero values mean the defaults.
type TaskRunnerConfig struct {
	Service *Service // required
	// Lookup returns a built-in provider by name; nil: credprovider.Lookup.
	Lookup func(name string) (credprovider.Provider, error)
	// Interval is the pause between passes of Run.
	Interval time.Duration
	// Backoff is the wait after a first failed attempt, doubled after each
	// further one up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// MaxAttempts is how many attempts a task gets before it is answered
	// failed.
	MaxAttempts int
	// Lease is how long a claimed (processing) task is left to its node
	// before another may take it.
	Lease  time.Duration
	Logger *slog.Logger
}

// TaskRunner runs the create_credentials and delete_credentials tasks of
// custom_credentials secrets whose configuration has a coffer_provider. It
// is safe for concurrent use and on several nodes at once.
type TaskRunner struct {
	cfg TaskRunnerConfig
	s   *Service
	log *slog.Logger
}

// NewTaskRunner returns a TaskRunner. Errors: Service missing.
func NewTaskRunner(cfg TaskRunnerConfig) (*TaskRunner, error) {
	if cfg.Service == nil {
		return nil, errors.New("secrets: TaskRunnerConfig.Service is required")
	}
	if cfg.Lookup == nil {
		cfg.Lookup = credprovider.Lookup
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Interval = durationOr(cfg.Interval, DefaultTaskInterval)
	cfg.Backoff = durationOr(cfg.Backoff, DefaultTaskBackoff)
	cfg.MaxBackoff = durationOr(cfg.MaxBackoff, DefaultTaskMaxBackoff)
	cfg.Lease = durationOr(cfg.Lease, DefaultTaskLease)
	if cfg.MaxAttempts < 1 {
		cfg.MaxAttempts = DefaultTaskMaxAttempts
	}
	return &TaskRunner{cfg: cfg, s: cfg.Service, log: cfg.Logger}, nil
}

func durationOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Run runs a pass every Interval until ctx ends; it returns nil then.
// Errors of a pass are logged and the next pass tries again.
func (r *TaskRunner) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("custom credentials task pass failed", "error", err.Error())
		}
		t.Reset(r.cfg.Interval)
	}
}

// TaskRunResult counts what one pass did.
type TaskRunResult struct {
	Created, Deleted, Retrying, Failed int
	// TimedOut counts tasks of external providers answered failed for
	// waiting longer than their configuration's task_timeout.
	TimedOut int
}

// RunOnce answers failed the tasks of external providers past their
// task_timeout, then runs every due task of a built-in provider once. A
// failed task is not an error (it is retried, or answered failed after
// MaxAttempts). Errors: the store's.
func (r *TaskRunner) RunOnce(ctx context.Context) (TaskRunResult, error) {
	var res TaskRunResult
	if err := r.expireTasks(ctx, &res); err != nil {
		return res, err
	}
	opts := store.ListOptions{Limit: 1000}
	for {
		ins, next, err := r.s.st.ListInstances(ctx, "", opts)
		if err != nil {
			return res, err
		}
		for _, in := range ins {
			if err := r.runInstance(ctx, in.GUID, &res); err != nil {
				return res, err
			}
		}
		if next == "" {
			return res, nil
		}
		opts.PageToken = next
	}
}

// runInstance runs the due tasks of the instance's secrets whose
// configuration has a built-in provider.
func (r *TaskRunner) runInstance(ctx context.Context, guid string, res *TaskRunResult) error {
	builtins, err := r.s.builtinConfigs(ctx, guid)
	if err != nil || len(builtins) == 0 {
		return err
	}
	xs, _, err := r.s.st.ListSecrets(ctx, guid, store.SecretFilter{Types: []string{api.SecretTypeCustomCredentials}})
	if err != nil {
		return err
	}
	for _, x := range xs {
		var m api.SecretMetadata
		if json.Unmarshal(x.Metadata, &m) != nil || builtins[m.Configuration] == nil {
			continue
		}
		if err := r.runSecret(ctx, x, builtins[m.Configuration], res); err != nil {
			return err
		}
	}
	return nil
}

// runSecret runs the due tasks of one secret.
func (r *TaskRunner) runSecret(ctx context.Context, x *store.Secret, b *builtin, res *TaskRunResult) error {
	tasks, err := r.s.st.SecretTasks(ctx, x.ID)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if !r.due(t) {
			continue
		}
		if t.Type == api.TaskTypeDeleteCredentials {
			serving, err := r.s.servingVersion(ctx, x, tasks)
			if err != nil {
				return err
			}
			if serving == t.VersionID { // a newer version still serves its credentials: wait
				continue
			}
		}
		if !r.claim(ctx, t) {
			continue
		}
		p, err := r.execute(ctx, x, b, t)
		if err := r.record(ctx, x, t, p, err, res); err != nil {
			return err
		}
	}
	return nil
}

// attempts returns how many attempts of t failed (its errors while queued).
func attempts(t *store.SecretTask) []api.SecretTaskError {
	var errs []api.SecretTaskError
	_ = json.Unmarshal(t.Errors, &errs)
	return errs
}

// due reports whether t should run now: queued and past the backoff of its
// failed attempts, or processing past its lease (its node died).
func (r *TaskRunner) due(t *store.SecretTask) bool {
	now := r.s.now()
	switch t.Status {
	case api.TaskStatusQueued:
		n := len(attempts(t))
		return n == 0 || !now.Before(t.UpdatedAt.Add(r.backoff(n)))
	case api.TaskStatusProcessing:
		return !now.Before(t.UpdatedAt.Add(r.cfg.Lease))
	}
	return false
}

// backoff returns the wait after n failed attempts.
func (r *TaskRunner) backoff(n int) time.Duration {
	d := r.cfg.Backoff
	for i := 1; i < n && d < r.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, r.cfg.MaxBackoff)
}

// claim marks t processing; false when another node claimed it first (the
// row's revision moved).
func (r *TaskRunner) claim(ctx context.Context, t *store.SecretTask) bool {
	t.Status, t.UpdatedBy = api.TaskStatusProcessing, SystemIAMID
	err := r.s.st.UpdateSecretTask(ctx, t)
	if err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
		r.log.Warn("claiming a custom credentials task", "task", t.ID, "error", err.Error())
	}
	return err == nil
}

// servingVersion returns the id of the newest version of x whose
// create_credentials task succeeded: its user is the one the current
// version serves (a rotation copies the current credentials into the new
// version until its own task succeeds), so it must not be dropped.
func (s *Service) servingVersion(ctx context.Context, x *store.Secret, tasks []*store.SecretTask) (string, error) {
	created := map[string]bool{}
	for _, t := range tasks {
		if t.Type == api.TaskTypeCreateCredentials && t.Status == api.TaskStatusCredentialsCreated {
			created[t.VersionID] = true
		}
	}
	versions, err := s.st.SecretVersions(ctx, x.ID)
	if err != nil {
		return "", err
	}
	for _, v := range versions { // newest first
		if created[v.ID] {
			return v.ID, nil
		}
	}
	return "", nil
}

// taskTimeout bounds one task's work.
const taskTimeout = time.Minute

// execute does the work of task t and returns the report to make.
func (r *TaskRunner) execute(ctx context.Context, x *store.Secret, b *builtin, t *store.SecretTask) (*api.SecretTaskPrototype, error) {
	ctx, cancel := context.WithTimeout(ctx, min(taskTimeout, r.cfg.Lease))
	defer cancel()
	c, err := r.s.systemCall(ctx, x.InstanceGUID)
	if err != nil {
		return nil, err
	}
	admin, err := r.s.loadAdmin(ctx, c, b.adminID)
	if err != nil {
		return nil, err
	}
	if t.Type == api.TaskTypeDeleteCredentials {
		return r.deleteCredentials(ctx, x, b, t, admin)
	}
	m, err := r.s.metadataOf(c, x)
	if err != nil {
		return nil, err
	}
	params := credprovider.Params{"Secret": x.ID, "Version": t.VersionID}
	for k, v := range m.Parameters {
		params[k] = fmt.Sprint(v)
	}
	creds, err := b.provider.Create(ctx, admin, b.template, params)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(creds.Content())
	if err != nil {
		return nil, err
	}
	return &api.SecretTaskPrototype{Status: api.TaskStatusCredentialsCreated,
		Credentials: &api.NewCredentials{ID: creds.Username, Payload: api.SecretJSON(payload)}}, nil
}

// deleteCredentials drops the user of t's version (none when its create
// task never succeeded).
func (r *TaskRunner) deleteCredentials(ctx context.Context, x *store.Secret, b *builtin, t *store.SecretTask, admin credprovider.Admin) (*api.SecretTaskPrototype, error) {
	v, err := r.s.st.SecretVersion(ctx, x.ID, t.VersionID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err == nil {
		vm, err := versionMetaOf(x, v)
		if err != nil {
			return nil, err
		}
		if vm.CredentialsID != "" {
			if err := b.provider.Delete(ctx, admin, b.template, vm.CredentialsID); err != nil {
				return nil, err
			}
		}
	}
	return &api.SecretTaskPrototype{Status: api.TaskStatusCredentialsDeleted}, nil
}

// loadAdmin reads the admin connection from secret id of c's instance, as
// the system (the configuration's creator was checked for read access).
func (s *Service) loadAdmin(ctx context.Context, c *call, id string) (credprovider.Admin, error) {
	x, v, err := s.st.SecretWithCurrent(ctx, c.in.GUID, id)
	if err != nil {
		return credprovider.Admin{}, api.Errorf(api.ErrFailedPrecondition, "admin secret %s: %s", id, api.Message(storeErr(err, "secret "+id)))
	}
	sec, err := s.full(ctx, c, x, v)
	if err != nil {
		return credprovider.Admin{}, err
	}
	return adminOf(sec)
}

// record answers t after an attempt: with p through replaceTask when the
// work succeeded; otherwise the failure is added to the task's errors and
// the task queued again, or answered failed after MaxAttempts.
func (r *TaskRunner) record(ctx context.Context, x *store.Secret, t *store.SecretTask, p *api.SecretTaskPrototype, failure error, res *TaskRunResult) error {
	c, err := r.s.systemCall(ctx, x.InstanceGUID)
	if err != nil {
		return err
	}
	if failure == nil {
		return r.answer(ctx, c, x, t, p, res)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	errs := append(attempts(t), api.SecretTaskError{Code: "coffer_provider_" + api.KindOf(failure).Code,
		Description: api.Message(failure)})
	r.log.Warn("custom credentials task failed", "secret", x.ID, "task", t.ID, "attempt", len(errs),
		"error", api.Message(failure))
	if len(errs) >= r.cfg.MaxAttempts {
		res.Failed++
		return r.answer(ctx, c, x, t, &api.SecretTaskPrototype{Status: api.TaskStatusFailed, Errors: errs}, res)
	}
	res.Retrying++
	t.Status, t.Errors = api.TaskStatusQueued, encodeMetadata(errs)
	err = r.s.st.UpdateSecretTask(ctx, t)
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return nil // deleted or taken over meanwhile
	}
	return err
}

// answer reports p on t through replaceTask, on a fresh read of the secret.
func (r *TaskRunner) answer(ctx context.Context, c *call, x *store.Secret, t *store.SecretTask, p *api.SecretTaskPrototype, res *TaskRunResult) error {
	fresh, err := r.s.st.Secret(ctx, x.InstanceGUID, x.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := r.s.replaceTask(ctx, c, fresh, t.ID, p); err != nil {
		if k := api.KindOf(err); k == api.ErrNotFound || k == api.ErrFailedPrecondition || k == api.ErrConflict {
			r.log.Warn("answering a custom credentials task", "task", t.ID, "error", api.Message(err))
			return nil
		}
		return err
	}
	switch p.Status {
	case api.TaskStatusCredentialsCreated:
		res.Created++
	case api.TaskStatusCredentialsDeleted:
		res.Deleted++
	}
	return nil
}
