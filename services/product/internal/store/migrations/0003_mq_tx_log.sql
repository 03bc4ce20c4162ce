-- +goose Up
-- Written by pkg/txmsg in the transaction of every transactional message; the broker's
-- check-back is answered from it.
CREATE TABLE mq_tx_log (
    tx_id      VARCHAR(36) NOT NULL PRIMARY KEY,
    topic      VARCHAR(64) NOT NULL,
    tag        VARCHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL
);

-- +goose Down
DROP TABLE mq_tx_log;
