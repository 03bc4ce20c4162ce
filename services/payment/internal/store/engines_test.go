package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
)

// mysqlDSNVar names a MySQL/MariaDB server (go-sql-driver DSN, user allowed to create
// databases) that store tests also run against.
const mysqlDSNVar = "CARTWHEEL_TEST_MYSQL_DSN"

var logEnginesOnce sync.Once

// forEachEngine runs test once per database engine, each time on a fresh, migrated
// database: SQLite in t.TempDir() always, MySQL when CARTWHEEL_TEST_MYSQL_DSN is set (a
// uniquely named database, dropped when the test ends).
func forEachEngine(t *testing.T, test func(t *testing.T, gdb *gorm.DB)) {
	t.Helper()
	dsn := os.Getenv(mysqlDSNVar)
	logEnginesOnce.Do(func() {
		if dsn == "" {
			t.Logf("store tests run on sqlite only; set %s to run them on mysql too", mysqlDSNVar)
		} else {
			t.Logf("store tests run on sqlite and mysql")
		}
	})
	t.Run("sqlite", func(t *testing.T) { test(t, openSQLite(t)) })
	if dsn != "" {
		t.Run("mysql", func(t *testing.T) { test(t, openMySQL(t, dsn)) })
	}
}

func openSQLite(t *testing.T) *gorm.DB {
	return openMigrated(t, db.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "payment.db")})
}

func openMySQL(t *testing.T, dsn string) *gorm.DB {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", mysqlDSNVar, err)
	}
	cfg.DBName = ""
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	admin := sql.OpenDB(connector)
	t.Cleanup(func() { admin.Close() })
	var raw [6]byte
	_, _ = rand.Read(raw[:])
	name := "cw_payment_test_" + hex.EncodeToString(raw[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	cfg.DBName = name
	cfg.ParseTime = true // DATETIME columns scan into time.Time
	cfg.Loc = time.UTC
	return openMigrated(t, db.Config{Driver: "mysql", DSN: cfg.FormatDSN()})
}

func openMigrated(t *testing.T, cfg db.Config) *gorm.DB {
	t.Helper()
	cfg.MaxOpenConns, cfg.MaxIdleConns, cfg.ConnMaxLifetime = 10, 10, time.Minute
	gdb, err := db.Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after openMySQL's drop, so it runs first (cleanups run last-in first-out)
	// and no connection is open when the database goes.
	t.Cleanup(func() { _ = db.Close(gdb) })
	if err := db.Migrate(context.Background(), gdb, Migrations()); err != nil {
		t.Fatal(err)
	}
	return gdb
}
