package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/secrets/secrettype"
	"github.com/cofferhq/coffer/internal/store"
)

// A custom credentials configuration's task_timeout: how long a task may
// wait for its provider's answer (IBM's range and default).
const (
	DefaultTaskTimeout = 10 * time.Minute
	MinTaskTimeout     = 5 * time.Minute
	MaxTaskTimeout     = 24 * time.Hour
)

// TaskTimeoutCode is the error code of a task answered failed because no
// provider answered it within its configuration's task_timeout.
const TaskTimeoutCode = "task_timeout"

// expirePerPass bounds the tasks one pass answers for timing out.
const expirePerPass = 1000

// parseTaskTimeout parses a task_timeout: seconds ("600") or a duration
// ("10m", "2h"), from MinTaskTimeout to MaxTaskTimeout. Errors wrap
// api.ErrInvalid.
func parseTaskTimeout(v any) (time.Duration, error) {
	s, ok := v.(string)
	d, err := secrettype.ParseTTL(s)
	if !ok || err != nil {
		return 0, api.Errorf(api.ErrInvalid, `task_timeout must be seconds ("600") or a duration ("10m")`)
	}
	if d < MinTaskTimeout || d > MaxTaskTimeout {
		return 0, api.Errorf(api.ErrInvalid, "task_timeout must be from %s to %s", MinTaskTimeout, MaxTaskTimeout)
	}
	return d, nil
}

// taskTimeoutOf returns the task_timeout of a configuration's stored fields,
// DefaultTaskTimeout when it has none (or none that parses: stored values
// were checked when written).
func taskTimeoutOf(fields map[string]any) time.Duration {
	if v, ok := fields["task_timeout"]; ok && v != nil {
		if d, err := parseTaskTimeout(v); err == nil {
			return d
		}
	}
	return DefaultTaskTimeout
}

// expireTasks answers failed, with error code TaskTimeoutCode, every task
// that waits for an external provider (its configuration has no
// coffer_provider: the built-in providers retry and answer on their own)
// longer than its configuration's task_timeout, counted from the task's
// creation. The answer goes through replaceTask as the system, so it is
// recorded, audited and published like a provider's own failed answer.
func (r *TaskRunner) expireTasks(ctx context.Context, res *TaskRunResult) error {
	now := r.s.now()
	open, err := r.s.st.OpenSecretTasks(ctx, now.Add(-MinTaskTimeout), expirePerPass)
	if err != nil {
		return err
	}
	timeouts := map[string]map[string]time.Duration{} // instance -> external configuration -> timeout
	for _, t := range open {
		byName, ok := timeouts[t.InstanceGUID]
		if !ok {
			if byName, err = r.s.externalTimeouts(ctx, t.InstanceGUID); err != nil {
				return err
			}
			timeouts[t.InstanceGUID] = byName
		}
		x, err := r.s.st.Secret(ctx, t.InstanceGUID, t.SecretID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		var m api.SecretMetadata
		if json.Unmarshal(x.Metadata, &m) != nil {
			continue
		}
		timeout, external := byName[m.Configuration]
		if !external || now.Before(t.CreatedAt.Add(timeout)) {
			continue
		}
		c, err := r.s.systemCall(ctx, t.InstanceGUID)
		if err != nil {
			return err
		}
		failed := &api.SecretTaskPrototype{Status: api.TaskStatusFailed, Errors: []api.SecretTaskError{{Code: TaskTimeoutCode,
			Description: fmt.Sprintf("no provider answered the task within the configuration's task_timeout (%s)", timeout)}}}
		r.log.Warn("custom credentials task timed out", "secret", x.ID, "task", t.ID, "task_timeout", timeout.String())
		res.TimedOut++
		if err := r.answer(ctx, c, x, &t.SecretTask, failed, res); err != nil {
			return err
		}
	}
	return nil
}

// externalTimeouts returns the task_timeout of each custom credentials
// configuration of the instance that has no built-in provider, by name. A
// secret whose configuration was deleted keeps the default.
func (s *Service) externalTimeouts(ctx context.Context, guid string) (map[string]time.Duration, error) {
	rows, err := s.st.SecretConfigurations(ctx, guid)
	if err != nil {
		return nil, err
	}
	out := map[string]time.Duration{}
	for _, row := range rows {
		if row.ConfigType != api.ConfigTypeCustomCredentials {
			continue
		}
		fields, err := configMap(row.Metadata)
		if err != nil || fields["coffer_provider"] != nil {
			continue
		}
		out[row.Name] = taskTimeoutOf(fields)
	}
	return out, nil
}
