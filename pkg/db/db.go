// Package db opens a service's database with GORM (SQLite by default, MySQL/MariaDB by
// DSN), applies its versioned migrations with goose, explicitly: nothing migrates on an
// ordinary boot, and gives the stores Time, a column type that reads alike on both.
package db

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/glebarez/sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
)

// Config selects and sizes the database. Prefix it per service, e.g. ORDER_DB_.
type Config struct {
	Driver       string `env:"DRIVER" envDefault:"sqlite"`
	DSN          string `env:"DSN" secret:"true"` // sqlite: a file path; mysql: go-sql-driver DSN
	MaxOpenConns int    `env:"MAX_OPEN_CONNS" envDefault:"20"`
	// MaxIdleConns below MaxOpenConns closes every connection handed back past it, so
	// each burst opens them again (a flash sale on make up: ~150 MySQL handshakes in
	// 20 s); equal, the pool keeps what a burst opened.
	MaxIdleConns    int           `env:"MAX_IDLE_CONNS" envDefault:"20"`
	ConnMaxLifetime time.Duration `env:"CONN_MAX_LIFETIME" envDefault:"30m"`
}

// Validate checks the driver, the DSN and the pool sizes.
func (c *Config) Validate() error {
	if err := config.OneOf("DB_DRIVER", c.Driver, "sqlite", "mysql"); err != nil {
		return err
	}
	if c.DSN == "" {
		return errors.New("DB_DSN is required")
	}
	if c.MaxOpenConns < 1 || c.MaxIdleConns < 0 || c.MaxIdleConns > c.MaxOpenConns {
		return fmt.Errorf("DB_MAX_OPEN_CONNS=%d, DB_MAX_IDLE_CONNS=%d: need 1 <= open and 0 <= idle <= open", c.MaxOpenConns, c.MaxIdleConns)
	}
	if c.ConnMaxLifetime <= 0 {
		return errors.New("DB_CONN_MAX_LIFETIME must be positive")
	}
	return nil
}

// DefaultFile gives a SQLite configuration without a DSN the service's own file, path.
// The tags of Config cannot carry it (each service has its own file), and config.Load
// has already refused a DSN that was set but empty, so an empty one was not set at all.
// A service's Validate calls it before validating; MySQL always needs its DSN.
func (c *Config) DefaultFile(path string) {
	if c.Driver == "sqlite" && c.DSN == "" {
		c.DSN = path
	}
}

// Open connects and sizes the pool. SQLite gets WAL, a busy timeout, one writer
// connection and a few read-only ones (see splitPool): SQLite has a single writer
// anyway, and one writer connection makes every transaction serialisable without
// lock-upgrade deadlocks, while plain reads no longer queue behind the writes.
func Open(cfg Config, log *slog.Logger) (*gorm.DB, error) {
	dialector, err := dialect(cfg)
	if err != nil {
		return nil, err
	}
	gdb, err := gorm.Open(dialector, &gorm.Config{
		// A lone INSERT, UPDATE or DELETE is atomic by itself, and no model here has
		// hooks or associations that GORM would write beside it: its BEGIN and COMMIT
		// around each would be two more round trips, under any row locks it took.
		SkipDefaultTransaction: true,
		TranslateError:         true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		if d, ok := dialector.(*sqlite.Dialector); ok {
			_ = d.Conn.(*splitPool).Close()
		}
		return nil, fmt.Errorf("db: open %s: %w", cfg.Driver, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	if cfg.Driver != "sqlite" {
		sqlDB.SetMaxOpenConns(cfg.MaxOpenConns)
		sqlDB.SetMaxIdleConns(cfg.MaxIdleConns)
		sqlDB.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("db: ping %s: %w", cfg.Driver, err)
	}
	if log != nil {
		log.Info("database open", "driver", cfg.Driver)
	}
	return gdb, nil
}

// dialect picks the driver of cfg and completes its DSN.
func dialect(cfg Config) (gorm.Dialector, error) {
	switch cfg.Driver {
	case "sqlite":
		return sqliteDialector(cfg.DSN)
	case "mysql":
		dsn, err := mysqlDSN(cfg.DSN)
		if err != nil {
			return nil, err
		}
		return mysql.Open(dsn), nil
	}
	return nil, fmt.Errorf("db: unknown driver %q", cfg.Driver)
}

// mysqlDSN makes DATETIME columns come back as time.Time (parseTime) and read and write
// in UTC (loc), whatever the operator's DSN says: Time and every comparison of stored
// times rely on both. It also has the driver put the arguments into the statement
// (interpolateParams, escaped by the driver for the connection's utf8mb4): without it
// every statement with arguments is three round trips, prepare, execute and close, and
// the server compiles it each time (measured on make up's checkout: 340,681 of each).
func mysqlDSN(dsn string) (string, error) {
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		// The driver's message names the problem, never the DSN and its password.
		return "", fmt.Errorf("db: mysql DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.InterpolateParams = true
	return cfg.FormatDSN(), nil
}

// Close closes the pool behind gdb (SQLite: its writer and its readers).
func Close(gdb *gorm.DB) error {
	if p, ok := gdb.ConnPool.(*splitPool); ok {
		return p.Close()
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// MigrationsIn is the folder dir of a service's embedded files as goose reads
// migrations, from the root: `var Migrations = db.MigrationsIn(migrationFiles,
// "migrations")`. It panics on a malformed dir, which only a typo in that literal causes.
func MigrationsIn(embedded fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(embedded, dir)
	if err != nil {
		panic(fmt.Sprintf("db: migrations folder %q: %v", dir, err))
	}
	return sub
}

func provider(gdb *gorm.DB, migrations fs.FS) (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	if gdb.Dialector.Name() == "mysql" {
		dialect = goose.DialectMySQL
	}
	own, err := forEngine(migrations, gdb.Dialector.Name())
	if err != nil {
		return nil, err
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, sqlDB, own)
}

// Migrate applies every pending migration in migrations: a folder of NNNN_name.sql
// goose files written to run on both SQLite and MySQL, or, where the engines' SQL
// differs, NNNN_name.sqlite.sql and NNNN_name.mysql.sql pairs (see forEngine).
func Migrate(ctx context.Context, gdb *gorm.DB, migrations fs.FS) error {
	p, err := provider(gdb, migrations)
	if err != nil {
		return fmt.Errorf("db: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	return nil
}

// Upgrade opens the database of cfg, applies every pending migration and closes it
// again: what a service's `migrate` command does.
func Upgrade(ctx context.Context, cfg Config, log *slog.Logger, migrations fs.FS) error {
	gdb, err := Open(cfg, log)
	if err != nil {
		return err
	}
	defer Close(gdb)
	return Migrate(ctx, gdb, migrations)
}

// ErrSchemaBehind means the database needs `<service> migrate` before it can serve.
var ErrSchemaBehind = errors.New("db: schema is behind the code; run the service's migrate command")

// CheckCurrent refuses to serve on a schema older than the code, instead of migrating
// behind the operator's back.
func CheckCurrent(ctx context.Context, gdb *gorm.DB, migrations fs.FS) error {
	p, err := provider(gdb, migrations)
	if err != nil {
		return fmt.Errorf("db: migrations: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("db: schema version: %w", err)
	}
	if pending {
		return ErrSchemaBehind
	}
	return nil
}

// IsDuplicate reports a unique-key violation, whichever driver raised it.
func IsDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// Ping reports whether the database answers within ctx.
func Ping(ctx context.Context, gdb *gorm.DB) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}
