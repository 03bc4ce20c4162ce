-- Refresh-token families: every token rotated from one login shares family_id, so a
-- replayed token can revoke its successors and logout revokes the whole login.
-- rotated_at replaces "revoked on rotation": a rotated token stays live for a short
-- grace, and a replay after it is told apart from a logout. One file per engine: they
-- spell DROP INDEX differently. Existing sessions become families of one.

-- +goose Up
ALTER TABLE sessions ADD COLUMN family_id VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN rotated_at DATETIME(6) NULL;
UPDATE sessions SET family_id = token_hash;
CREATE INDEX sessions_family_id ON sessions (family_id);

-- +goose Down
DROP INDEX sessions_family_id;
ALTER TABLE sessions DROP COLUMN rotated_at;
ALTER TABLE sessions DROP COLUMN family_id;
