-- +goose Up
CREATE TABLE orders (
    id                VARCHAR(36)  NOT NULL PRIMARY KEY,
    user_id           VARCHAR(64)  NOT NULL,
    status            VARCHAR(32)  NOT NULL,
    cancel_reason     VARCHAR(32)  NOT NULL,
    total_cents       BIGINT       NOT NULL,
    currency          VARCHAR(3)   NOT NULL,
    ship_recipient    TEXT         NOT NULL,
    ship_line1        TEXT         NOT NULL,
    ship_line2        TEXT         NOT NULL,
    ship_city         TEXT         NOT NULL,
    ship_region       TEXT         NOT NULL,
    ship_postal_code  TEXT         NOT NULL,
    ship_country      TEXT         NOT NULL,
    ship_phone        TEXT         NOT NULL,
    carrier           VARCHAR(50)  NOT NULL,
    tracking_no       VARCHAR(100) NOT NULL,
    shipped_at        DATETIME(6)  NULL,
    received_at       DATETIME(6)  NULL,
    payment_id        VARCHAR(64)  NOT NULL,
    payment_deadline  DATETIME(6)  NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    version           BIGINT       NOT NULL
);
-- Listing the orders of a user newest first, by keyset.
CREATE INDEX orders_user_created ON orders (user_id, created_at, id);
-- Look-ups of the sweeper: one clock per status.
CREATE INDEX orders_status_deadline ON orders (status, payment_deadline);
CREATE INDEX orders_status_shipped ON orders (status, shipped_at);
CREATE INDEX orders_status_received ON orders (status, received_at);

CREATE TABLE order_lines (
    order_id          VARCHAR(36)  NOT NULL,
    line_no           BIGINT       NOT NULL,
    sku               VARCHAR(64)  NOT NULL,
    name              TEXT         NOT NULL,
    quantity          BIGINT       NOT NULL,
    unit_price_cents  BIGINT       NOT NULL,
    currency          VARCHAR(3)   NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- One order per (user, key): the primary key is what makes CreateOrder idempotent
-- under concurrency.
CREATE TABLE order_idempotency_keys (
    user_id           VARCHAR(64)  NOT NULL,
    idempotency_key   VARCHAR(64)  NOT NULL,
    fingerprint       VARCHAR(64)  NOT NULL,
    order_id          VARCHAR(36)  NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);

-- One refund request per payment, so a redelivered payment is not refunded twice.
CREATE TABLE order_refund_requests (
    payment_id        VARCHAR(64)  NOT NULL PRIMARY KEY,
    order_id          VARCHAR(36)  NOT NULL,
    reason            VARCHAR(32)  NOT NULL,
    created_at        DATETIME(6)  NOT NULL
);
CREATE INDEX order_refund_requests_order ON order_refund_requests (order_id);

-- line_count is kept with the lines so the cart limit holds under concurrent adds
-- (a conditional update, alike on both engines).
CREATE TABLE carts (
    user_id           VARCHAR(64)  NOT NULL PRIMARY KEY,
    line_count        BIGINT       NOT NULL
);

CREATE TABLE cart_items (
    user_id           VARCHAR(64)  NOT NULL,
    sku               VARCHAR(64)  NOT NULL,
    quantity          BIGINT       NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    updated_at        DATETIME(6)  NOT NULL,
    PRIMARY KEY (user_id, sku)
);

-- pkg/txmsg: proof that the local transaction of a transactional message committed.
CREATE TABLE mq_tx_log (
    tx_id             VARCHAR(36)  NOT NULL PRIMARY KEY,
    topic             VARCHAR(127) NOT NULL,
    tag               VARCHAR(64)  NOT NULL,
    created_at        DATETIME(6)  NOT NULL
);

-- +goose Down
DROP TABLE mq_tx_log;
DROP TABLE cart_items;
DROP TABLE carts;
DROP TABLE order_refund_requests;
DROP TABLE order_idempotency_keys;
DROP TABLE order_lines;
DROP TABLE orders;
