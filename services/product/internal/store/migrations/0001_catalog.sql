-- +goose Up
CREATE TABLE categories (
    id         VARCHAR(36)  NOT NULL PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    created_at DATETIME(6)  NOT NULL
);

-- min_price_cents and search_text are derived from the product and its SKUs on every
-- save, so listing can sort and filter with plain indexed columns.
CREATE TABLE products (
    id              VARCHAR(36)  NOT NULL PRIMARY KEY,
    name            VARCHAR(200) NOT NULL,
    description     TEXT         NOT NULL,
    category_id     VARCHAR(36)  NOT NULL,
    active          BOOLEAN      NOT NULL,
    min_price_cents BIGINT       NOT NULL,
    search_text     TEXT         NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    updated_at      DATETIME(6)  NOT NULL,
    FOREIGN KEY (category_id) REFERENCES categories (id)
);
CREATE INDEX products_newest ON products (active, created_at, id);
CREATE INDEX products_price ON products (active, min_price_cents, id);
CREATE INDEX products_category ON products (category_id, active);

CREATE TABLE skus (
    code        VARCHAR(64) NOT NULL PRIMARY KEY,
    product_id  VARCHAR(36) NOT NULL,
    position    INTEGER     NOT NULL,
    attributes  TEXT        NOT NULL,
    price_cents BIGINT      NOT NULL CHECK (price_cents > 0),
    currency    VARCHAR(3)  NOT NULL,
    active      BOOLEAN     NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    updated_at  DATETIME(6) NOT NULL,
    FOREIGN KEY (product_id) REFERENCES products (id)
);
CREATE INDEX skus_product ON skus (product_id, position);

-- +goose Down
DROP TABLE skus;
DROP TABLE products;
DROP TABLE categories;
