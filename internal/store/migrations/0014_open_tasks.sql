-- Coffer secrets schema, version 14: the index of unanswered tasks.
--
-- The task runner looks, on every pass, for custom credentials tasks that
-- are still queued or processing past the shortest task_timeout. Answered
-- tasks are the vast majority and are never looked up this way, so the
-- index holds only the open ones.

-- +goose Up
CREATE INDEX secret_tasks_open ON secret_tasks (created_at) WHERE status IN ('queued', 'processing');

-- +goose Down
DROP INDEX secret_tasks_open;
