-- The stock gate counts the units its admissions hold on the stock row itself
-- (store.Admit): an admission is one conditional UPDATE of that counter, so the row is
-- locked for one statement rather than for reading and summing every admission. The
-- admissions table stays the record of which order holds what: each row is added and
-- deleted in the transaction that moves the counter by its quantity. The indexes stay as
-- they are, so a product service from before this migration runs unchanged beside it
-- during a rolling upgrade (its admissions are not counted; see docs/decisions.md).

-- +goose Up
ALTER TABLE stock ADD COLUMN admitted BIGINT NOT NULL DEFAULT 0 CHECK (admitted >= 0);
UPDATE stock SET admitted = COALESCE((SELECT SUM(a.quantity) FROM stock_admissions a WHERE a.sku = stock.sku), 0);

-- +goose Down
ALTER TABLE stock DROP COLUMN admitted;
