-- +goose Up
-- live_order_id holds the order id while the payment is live (not FAILED) and is NULL
-- otherwise: its unique index gives an order at most one live payment on SQLite and
-- MySQL alike, which have no common syntax for partial indexes.
CREATE TABLE payments (
    id              VARCHAR(36)  NOT NULL PRIMARY KEY,
    order_id        VARCHAR(36)  NOT NULL,
    user_id         VARCHAR(36)  NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    amount_cents    BIGINT       NOT NULL,
    currency        VARCHAR(3)   NOT NULL,
    provider        VARCHAR(32)  NOT NULL,
    checkout_url    VARCHAR(512) NOT NULL,
    provider_txn_id VARCHAR(128) NULL,
    live_order_id   VARCHAR(36)  NULL,
    version         BIGINT       NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    updated_at      DATETIME(6)  NOT NULL
);
CREATE UNIQUE INDEX ux_payments_provider_txn_id ON payments (provider_txn_id);
CREATE UNIQUE INDEX ux_payments_live_order_id ON payments (live_order_id);
CREATE INDEX ix_payments_order_id ON payments (order_id);

CREATE TABLE refunds (
    id                 VARCHAR(36)  NOT NULL PRIMARY KEY,
    payment_id         VARCHAR(36)  NOT NULL,
    provider_refund_id VARCHAR(128) NOT NULL,
    amount_cents       BIGINT       NOT NULL,
    currency           VARCHAR(3)   NOT NULL,
    reason             TEXT         NOT NULL,
    created_at         DATETIME(6)  NOT NULL
);
CREATE UNIQUE INDEX ux_refunds_payment_id ON refunds (payment_id);

-- mq_tx_log is pkg/txmsg's proof that a local transaction committed.
CREATE TABLE mq_tx_log (
    tx_id      VARCHAR(36) NOT NULL PRIMARY KEY,
    topic      VARCHAR(64) NOT NULL,
    tag        VARCHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL
);

-- +goose Down
DROP TABLE mq_tx_log;
DROP TABLE refunds;
DROP TABLE payments;
