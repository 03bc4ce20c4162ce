package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
)

// sqliteReaders is how many connections serve a SQLite database's plain reads beside its
// one writer. Reads are CPU work in this pure-Go engine, so a few cover the cores of a
// developer's machine; each connection keeps its own page cache.
const sqliteReaders = 4

// sqlitePragmas apply to every connection: WAL (readers and the writer do not block
// each other), a busy timeout, foreign keys, and synchronous=NORMAL (a process crash
// loses nothing; power loss may lose the last commits, acceptable for a dev database).
const sqlitePragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

// sqliteDialector opens path as one writer connection, which takes every write and
// every transaction, and a pool of read-only connections for plain reads.
func sqliteDialector(path string) (gorm.Dialector, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	writer, err := sql.Open(sqlite.DriverName, path+sqlitePragmas)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	writer.SetMaxOpenConns(1)
	readers, err := sql.Open(sqlite.DriverName, path+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	readers.SetMaxOpenConns(sqliteReaders)
	readers.SetMaxIdleConns(sqliteReaders)
	return &sqlite.Dialector{Conn: &splitPool{writer: writer, readers: readers}}, nil
}

// splitPool is a SQLite database as GORM sees it: a statement that only reads (a SELECT)
// outside a transaction runs on one of the readers; everything else, and every statement
// of a transaction (GORM runs those on the *sql.Tx that BeginTx returned), on the writer.
//
// Every service's reads used to queue for the one connection behind its writes: product
// detail's stock read behind the stock reservations, an order poll behind the order
// consumer. One writer still serialises the writes, so a transaction never meets
// SQLite's "busy" or a lock-upgrade deadlock; readers never write (query_only), and in
// WAL mode a read sees every transaction committed before it began, as a read on the
// writer did.
type splitPool struct {
	writer, readers *sql.DB
}

var (
	_ gorm.ConnPool       = (*splitPool)(nil)
	_ gorm.TxBeginner     = (*splitPool)(nil)
	_ gorm.GetDBConnector = (*splitPool)(nil)
)

func (p *splitPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.writer.PrepareContext(ctx, query)
}

func (p *splitPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.writer.ExecContext(ctx, query, args...)
}

func (p *splitPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.pick(query).QueryContext(ctx, query, args...)
}

func (p *splitPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.pick(query).QueryRowContext(ctx, query, args...)
}

func (p *splitPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	return p.writer.BeginTx(ctx, opts)
}

// GetDBConn is the writer: what migrations, pings and pool metrics use.
func (p *splitPool) GetDBConn() (*sql.DB, error) { return p.writer, nil }

func (p *splitPool) Close() error {
	return errors.Join(p.readers.Close(), p.writer.Close())
}

// pick sends a SELECT to the readers and anything else (an INSERT … RETURNING, which
// GORM runs as a query, a PRAGMA, a WITH that might write) to the writer.
func (p *splitPool) pick(query string) *sql.DB {
	q := strings.TrimLeftFunc(query, unicode.IsSpace)
	if len(q) >= 6 && strings.EqualFold(q[:6], "select") {
		return p.readers
	}
	return p.writer
}
