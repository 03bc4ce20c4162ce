-- Expired refresh sessions are purged in batches, oldest expiry first
-- (account.Service.PurgeSessions). One file per engine: they spell DROP INDEX differently.

-- +goose Up
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- +goose Down
DROP INDEX sessions_expires_at ON sessions;
