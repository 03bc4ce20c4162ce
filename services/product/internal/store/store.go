// Package store keeps the catalog and the stock in SQL through GORM, on SQLite or
// MySQL/MariaDB alike, and sends the stock outcomes as transactional messages inside the
// transactions that record them.
package store

import (
	"context"
	"database/sql"
	"embed"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the schema, as goose migrations for db.Migrate and db.CheckCurrent.
var Migrations = db.MigrationsIn(migrationFiles, "migrations")

// Sender sends a transactional message whose local transaction is fn (txmsg.Sender).
type Sender interface {
	Send(ctx context.Context, msg *mq.Message, fn func(tx *gorm.DB) error) error
}

// Store implements catalog.Store and stock.Store.
type Store struct {
	db     *gorm.DB
	sender Sender
	now    func() time.Time
	// inTx: db is a transaction the caller owns (a transactional message's), so the
	// store's methods run in it instead of opening their own.
	inTx bool
}

// New returns a store over gdb that sends the stock outcomes with sender (whose producer
// checks back with txmsg.Checker on the same database); now stamps the rows it writes.
func New(gdb *gorm.DB, sender Sender, now func() time.Time) *Store {
	return &Store{db: gdb, sender: sender, now: now}
}

// WithTx returns the store working inside tx, whose commit the caller owns.
func (s *Store) WithTx(tx *gorm.DB) *Store {
	return &Store{db: tx, sender: s.sender, now: s.now, inTx: true}
}

// Transaction runs fn with a store bound to one transaction, committed when fn
// returns nil.
func (s *Store) Transaction(ctx context.Context, fn func(*Store) error) error {
	return s.transaction(ctx, func(tx *gorm.DB) error { return fn(s.WithTx(tx)) })
}

func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error, opts ...*sql.TxOptions) error {
	if s.inTx {
		return fn(s.conn(ctx))
	}
	return s.db.WithContext(ctx).Transaction(fn, opts...)
}

// readCommitted is for transactions whose locks must hold rows, not the gaps between
// them. At MySQL's default REPEATABLE READ a delete over a range of an index also locks
// the gap after it; two such transactions on neighbouring SKUs then both hold that gap
// and deadlock inserting into it (make bench's checkout over 32 SKUs: 145 orders in 20 s
// refused with 500, error 1213). SQLite ignores the level: one write transaction runs
// at a time there.
var readCommitted = &sql.TxOptions{Isolation: sql.LevelReadCommitted}

// conn is the handle for one operation. Inside a caller's transaction it keeps that
// transaction's context, which bounds it (txmsg.LocalTimeout), rather than ctx.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if s.inTx {
		return s.db
	}
	return s.db.WithContext(ctx)
}

// at is now as a DATETIME(6) column holds it.
func (s *Store) at() db.Time { return db.NewTime(s.now()) }

// forUpdate locks the rows a query reads until the transaction ends (MySQL). SQLite
// ignores it: a write transaction there already excludes every other writer.
func forUpdate(tx *gorm.DB) *gorm.DB {
	return tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
}
