// Package store keeps the user service's accounts, sessions and addresses in SQL through
// GORM, implementing account.Store on SQLite and MySQL alike.
package store

import (
	"embed"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/account"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the schema history in goose format, for db.Migrate and db.CheckCurrent.
var Migrations = db.MigrationsIn(migrationFiles, "migrations")

// Store implements account.Store.
type Store struct {
	db *gorm.DB
}

var _ account.Store = (*Store)(nil)

// New wraps an open, migrated database.
func New(db *gorm.DB) *Store { return &Store{db: db} }
