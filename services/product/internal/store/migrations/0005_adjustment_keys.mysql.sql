-- An adjustment made with an idempotency key is made once per actor and key
-- (stock.Service.Adjust): the unique index decides, in the transaction that moves the
-- stock. Adjustments without a key leave both columns NULL, and NULLs never collide in a
-- unique index on either engine, so those stay unlimited. One file per engine: they
-- spell DROP INDEX differently; Up is the same in both.

-- +goose Up
ALTER TABLE stock_adjustments ADD COLUMN idempotency_key VARCHAR(64);
ALTER TABLE stock_adjustments ADD COLUMN fingerprint VARCHAR(64);
CREATE UNIQUE INDEX stock_adjustments_key ON stock_adjustments (actor_id, idempotency_key);

-- +goose Down
DROP INDEX stock_adjustments_key ON stock_adjustments;
ALTER TABLE stock_adjustments DROP COLUMN fingerprint;
ALTER TABLE stock_adjustments DROP COLUMN idempotency_key;
