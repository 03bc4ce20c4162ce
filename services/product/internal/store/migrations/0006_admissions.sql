-- +goose Up
-- The stock gate's admissions (stock.Gate): units an order was admitted for and its
-- order.created has not decided yet. The gate admits an order only while a SKU's
-- available stock covers every admission of it; deciding the order deletes its rows in
-- the decision's transaction.
CREATE TABLE stock_admissions (
    order_id   VARCHAR(64) NOT NULL,
    sku        VARCHAR(64) NOT NULL,
    quantity   BIGINT      NOT NULL CHECK (quantity > 0),
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (order_id, sku)
);
CREATE INDEX stock_admissions_sku ON stock_admissions (sku);

-- +goose Down
DROP TABLE stock_admissions;
