-- The stock gate counts the units its admissions hold on the stock row itself
-- (store.Admit): an admission is one conditional UPDATE of that counter, so the row is
-- locked for one statement rather than for reading and summing every admission. The
-- admissions table stays the record of which order holds what: each row is added and
-- deleted in the transaction that moves the counter by its quantity. Expired admissions
-- are found by SKU and age. One file per engine: they spell DROP INDEX differently.

-- +goose Up
ALTER TABLE stock ADD COLUMN admitted BIGINT NOT NULL DEFAULT 0 CHECK (admitted >= 0);
UPDATE stock SET admitted = COALESCE((SELECT SUM(a.quantity) FROM stock_admissions a WHERE a.sku = stock.sku), 0);
CREATE INDEX stock_admissions_expiry ON stock_admissions (sku, created_at);
DROP INDEX stock_admissions_sku ON stock_admissions;

-- +goose Down
CREATE INDEX stock_admissions_sku ON stock_admissions (sku);
DROP INDEX stock_admissions_expiry ON stock_admissions;
ALTER TABLE stock DROP COLUMN admitted;
