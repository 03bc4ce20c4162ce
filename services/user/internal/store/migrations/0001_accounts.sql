-- Accounts, refresh sessions and address books. Runs unchanged on SQLite and MySQL.

-- +goose Up
CREATE TABLE users (
    id            VARCHAR(36)  NOT NULL PRIMARY KEY,
    email         VARCHAR(254) NOT NULL,
    name          VARCHAR(100) NOT NULL,
    role          VARCHAR(16)  NOT NULL,
    password_hash VARCHAR(60)  NOT NULL,
    -- address_count lets AddAddress enforce the address book limit with one
    -- conditional update, which holds under concurrency on both engines.
    address_count BIGINT       NOT NULL DEFAULT 0,
    created_at    DATETIME(6)  NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE sessions (
    token_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    user_id    VARCHAR(36) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    revoked_at DATETIME(6) NULL,
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE addresses (
    id          VARCHAR(36)  NOT NULL PRIMARY KEY,
    user_id     VARCHAR(36)  NOT NULL,
    recipient   VARCHAR(100) NOT NULL,
    line1       VARCHAR(200) NOT NULL,
    line2       VARCHAR(200) NOT NULL,
    city        VARCHAR(100) NOT NULL,
    region      VARCHAR(100) NOT NULL,
    postal_code VARCHAR(20)  NOT NULL,
    country     VARCHAR(2)   NOT NULL,
    phone       VARCHAR(20)  NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX addresses_user_id_created_at ON addresses (user_id, created_at);

-- +goose Down
DROP TABLE addresses;
DROP TABLE sessions;
DROP TABLE users;
