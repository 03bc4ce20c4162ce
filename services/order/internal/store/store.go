// Package store keeps orders and carts in SQL through GORM (SQLite or MySQL/MariaDB) and
// sends the order's transactional messages inside the transactions that cause them.
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/events"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the schema as goose migrations, for db.Migrate and db.CheckCurrent.
var Migrations = db.MigrationsIn(migrationFiles, "migrations")

// maxUpdateAttempts bounds the optimistic retries of one update. Each lost race means
// another writer committed, so a handful is plenty for one order.
const maxUpdateAttempts = 5

// errLostRace: the order was written by someone else between read and write.
var errLostRace = errors.New("store: order changed since it was read")

// Store implements order.Storer.
type Store struct {
	db     *gorm.DB
	sender *txmsg.Sender
}

var _ order.Storer = (*Store)(nil)

// New uses gdb for data and sender for the transactional messages; sender's producer
// must check back with txmsg.Checker on the same database.
func New(gdb *gorm.DB, sender *txmsg.Sender) *Store {
	return &Store{db: gdb, sender: sender}
}

// inTx runs fn in one database transaction; with an event, as the local transaction of
// the event's message, so the message leaves if and only if fn's writes commit.
func (s *Store) inTx(ctx context.Context, ev order.Event, fn func(tx *gorm.DB) error) error {
	msg, err := events.Encode(ev)
	if err != nil {
		return err
	}
	return s.sender.Transaction(ctx, msg, fn)
}

// notFound maps GORM's not-found to the domain's; anything else is wrapped as it is.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return order.ErrNotFound
	}
	return fmt.Errorf("store: read %s: %w", what, err)
}
