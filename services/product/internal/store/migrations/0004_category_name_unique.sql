-- +goose Up
-- Category names are unique regardless of case: each category's name key
-- (catalog.NameKey: trimmed and lower-cased in Go, so alike on both engines) has a
-- unique index. The key lives in a table of its own, not in a column of categories,
-- so that Down runs unchanged on both engines: dropping an indexed column needs a
-- DROP INDEX first, which SQLite and MySQL spell differently.
CREATE TABLE category_names (
    category_id VARCHAR(36)  NOT NULL PRIMARY KEY,
    name_key    VARCHAR(100) NOT NULL,
    FOREIGN KEY (category_id) REFERENCES categories (id)
);
CREATE UNIQUE INDEX category_names_key ON category_names (name_key);

-- Categories before this migration come from the demo seed, whose names are trimmed
-- ASCII, which LOWER folds alike on both engines (SQLite's folds ASCII only).
INSERT INTO category_names (category_id, name_key)
SELECT id, LOWER(name) FROM categories;

-- +goose Down
DROP TABLE category_names;
