// Package dbtest gives each test a fresh database on every engine available: SQLite in
// t.TempDir() always, and MySQL/MariaDB as well when CARTWHEEL_TEST_MYSQL_DSN is set, so
// the embedded default cannot drift from the real engine.
package dbtest

import (
	"context"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
)

// MySQLEnv names the server DSN (a user allowed to create databases; no database
// needed, e.g. "root:pw@tcp(127.0.0.1:3306)/") the MySQL runs use.
const MySQLEnv = "CARTWHEEL_TEST_MYSQL_DSN"

// Engine is one empty database ready to be migrated.
type Engine struct {
	Name   string // "sqlite" or "mysql"
	Config db.Config
}

// Engines creates one empty database per available engine. MySQL databases are dropped
// in t.Cleanup; SQLite files go with t.TempDir().
func Engines(t testing.TB) []Engine {
	t.Helper()
	engines := []Engine{{Name: "sqlite", Config: config("sqlite", filepath.Join(t.TempDir(), "test.db"))}}
	dsn := os.Getenv(MySQLEnv)
	if dsn == "" {
		t.Logf("engines: sqlite (%s unset, MySQL not run)", MySQLEnv)
		return engines
	}
	t.Logf("engines: sqlite, mysql")
	return append(engines, Engine{Name: "mysql", Config: mysqlDatabase(t, dsn)})
}

// Each runs fn as a subtest per engine, named by the engine, with a freshly migrated
// database.
func Each(t *testing.T, migrations fs.FS, fn func(t *testing.T, gdb *gorm.DB)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			fn(t, Migrated(t, e.Config, migrations))
		})
	}
}

// Migrated opens cfg and applies migrations; the database is closed when the test ends.
func Migrated(t testing.TB, cfg db.Config, migrations fs.FS) *gorm.DB {
	t.Helper()
	gdb := Open(t, cfg)
	if err := db.Migrate(context.Background(), gdb, migrations); err != nil {
		t.Fatalf("migrate %s: %v", cfg.Driver, err)
	}
	return gdb
}

// Open opens cfg as it is, without migrating; the database is closed when the test ends.
func Open(t testing.TB, cfg db.Config) *gorm.DB {
	t.Helper()
	gdb, err := db.Open(cfg, nil)
	if err != nil {
		t.Fatalf("open %s: %v", cfg.Driver, err)
	}
	t.Cleanup(func() { _ = db.Close(gdb) })
	return gdb
}

// config sizes the pool for tests that run many transactions at once.
func config(driver, dsn string) db.Config {
	return db.Config{Driver: driver, DSN: dsn, MaxOpenConns: 20, MaxIdleConns: 10, ConnMaxLifetime: time.Minute}
}

// mysqlDatabase creates a uniquely named database on the server of dsn and returns a
// config for it; the database is dropped when the test ends. utf8mb4_bin makes keys
// compare byte for byte, as on SQLite (docs/decisions.md).
func mysqlDatabase(t testing.TB, dsn string) db.Config {
	t.Helper()
	server, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	server.DBName = ""
	admin, err := db.Open(config("mysql", server.FormatDSN()), nil)
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	t.Cleanup(func() { _ = db.Close(admin) })

	name := "cw_test_" + strings.ToLower(rand.Text()[:12])
	if err := admin.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	// Registered before the test's own cleanups, which run first (last in, first out),
	// so the test's connections are closed by the time the database is dropped.
	t.Cleanup(func() {
		if err := admin.Exec("DROP DATABASE `" + name + "`").Error; err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	own := server.Clone()
	own.DBName = name
	return config("mysql", own.FormatDSN())
}
