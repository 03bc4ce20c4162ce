-- +goose Up
-- The CHECK constraints back up the conditional updates: no bug can take a bucket
-- below zero. (MySQL enforces CHECK from 8.0.16, MariaDB from 10.2.)
CREATE TABLE stock (
    sku        VARCHAR(64) NOT NULL PRIMARY KEY,
    available  BIGINT      NOT NULL CHECK (available >= 0),
    reserved   BIGINT      NOT NULL CHECK (reserved >= 0),
    sold       BIGINT      NOT NULL CHECK (sold >= 0),
    updated_at DATETIME(6) NOT NULL,
    FOREIGN KEY (sku) REFERENCES skus (code)
);

CREATE TABLE stock_adjustments (
    id         VARCHAR(36)  NOT NULL PRIMARY KEY,
    sku        VARCHAR(64)  NOT NULL,
    delta      BIGINT       NOT NULL,
    reason     VARCHAR(200) NOT NULL,
    actor_id   VARCHAR(64)  NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    FOREIGN KEY (sku) REFERENCES skus (code)
);
CREATE INDEX stock_adjustments_sku ON stock_adjustments (sku, created_at);

-- One row per order and SKU: a redelivered order.created cannot reserve twice.
CREATE TABLE reservations (
    order_id   VARCHAR(64) NOT NULL,
    sku        VARCHAR(64) NOT NULL,
    quantity   BIGINT      NOT NULL CHECK (quantity > 0),
    state      VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (order_id, sku)
);

-- One row per order, written in the same transaction as the outcome message
-- (stock.reserved or stock.rejected), so a redelivered order.created finds it and
-- does nothing.
CREATE TABLE stock_decisions (
    order_id   VARCHAR(64)  NOT NULL PRIMARY KEY,
    outcome    VARCHAR(16)  NOT NULL,
    sku        VARCHAR(64)  NOT NULL,
    reason     VARCHAR(200) NOT NULL,
    created_at DATETIME(6)  NOT NULL
);

-- +goose Down
DROP TABLE stock_decisions;
DROP TABLE reservations;
DROP TABLE stock_adjustments;
DROP TABLE stock;
