package db

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
)

// Open hands MySQL a DSN that reads DATETIME columns as time.Time in UTC and sends each
// statement in one round trip (interpolateParams), whatever the operator wrote, and
// keeps everything else the operator wrote.
func TestOpenForcesParseTimeAndUTCOnMySQL(t *testing.T) {
	cases := []struct {
		name, dsn string
		keep      func(*mysqldriver.Config) bool
	}{
		{"bare", "shop:pw@tcp(127.0.0.1:3306)/shop", func(c *mysqldriver.Config) bool {
			return c.User == "shop" && c.Passwd == "pw" && c.Addr == "127.0.0.1:3306" && c.DBName == "shop"
		}},
		{"parse_time_off", "shop:pw@tcp(127.0.0.1:3306)/shop?parseTime=false", nil},
		{"local_zone", "shop:pw@tcp(127.0.0.1:3306)/shop?loc=Local&parseTime=true", nil},
		{"other_zone", "shop:pw@tcp(127.0.0.1:3306)/shop?loc=Europe%2FParis", nil},
		{"interpolation_off", "shop:pw@tcp(127.0.0.1:3306)/shop?interpolateParams=false", nil},
		{"other_settings_kept", "shop:pw@tcp(db:3306)/shop?timeout=3s&collation=utf8mb4_bin&sql_mode=TRADITIONAL", func(c *mysqldriver.Config) bool {
			return c.Timeout == 3*time.Second && c.Collation == "utf8mb4_bin" && c.Params["sql_mode"] == "TRADITIONAL"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := dialect(Config{Driver: "mysql", DSN: c.dsn})
			if err != nil {
				t.Fatal(err)
			}
			got, err := mysqldriver.ParseDSN(d.(*mysql.Dialector).DSN)
			if err != nil {
				t.Fatal(err)
			}
			if !got.ParseTime || got.Loc != time.UTC || !got.InterpolateParams {
				t.Fatalf("DSN %q: parseTime=%v loc=%v interpolateParams=%v, want true, UTC and true",
					d.(*mysql.Dialector).DSN, got.ParseTime, got.Loc, got.InterpolateParams)
			}
			if c.keep != nil && !c.keep(got) {
				t.Fatalf("DSN %q lost the operator's settings", d.(*mysql.Dialector).DSN)
			}
		})
	}
}

func TestOpenRefusesMalformedMySQLDSNWithoutEchoingIt(t *testing.T) {
	_, err := Open(Config{Driver: "mysql", DSN: "shop:s3cret@tcp(127.0.0.1:3306)shop"}, nil)
	if err == nil {
		t.Fatal("a DSN without the slash before the database was accepted")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("the error shows the password: %v", err)
	}
}

func TestOpenRefusesUnknownDriver(t *testing.T) {
	if _, err := Open(Config{Driver: "oracle", DSN: filepath.Join(t.TempDir(), "x")}, nil); err == nil {
		t.Fatal("accepted driver oracle")
	}
}

func TestDefaultFile(t *testing.T) {
	cases := []struct {
		name     string
		in, want Config
	}{
		{"sqlite_without_dsn", Config{Driver: "sqlite"}, Config{Driver: "sqlite", DSN: "data/x.db"}},
		{"sqlite_with_dsn", Config{Driver: "sqlite", DSN: filepath.Join("elsewhere", "x.db")}, Config{Driver: "sqlite", DSN: filepath.Join("elsewhere", "x.db")}},
		{"mysql_needs_its_own", Config{Driver: "mysql"}, Config{Driver: "mysql"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.in
			got.DefaultFile("data/x.db")
			if got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestMigrationsIn(t *testing.T) {
	embedded := fstest.MapFS{"migrations/0001_first.sql": {Data: []byte("-- +goose Up\n")}}
	if _, err := fs.Stat(MigrationsIn(embedded, "migrations"), "0001_first.sql"); err != nil {
		t.Fatalf("the folder's files are not at the root: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a malformed folder name did not panic")
		}
	}()
	MigrationsIn(embedded, "./migrations")
}

func TestUpgradeMakesTheSchemaCurrent(t *testing.T) {
	migrations := fstest.MapFS{"0001_notes.sql": {Data: []byte(
		"-- +goose Up\nCREATE TABLE notes (id VARCHAR(36) NOT NULL PRIMARY KEY);\n-- +goose Down\nDROP TABLE notes;\n")}}
	cfg := Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "notes.db")}
	ctx := context.Background()
	if err := Upgrade(ctx, cfg, nil, migrations); err != nil {
		t.Fatal(err)
	}
	gdb, err := Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(gdb)
	if err := CheckCurrent(ctx, gdb, migrations); err != nil {
		t.Fatalf("after Upgrade: %v", err)
	}
	if err := gdb.Exec("INSERT INTO notes (id) VALUES ('n-1')").Error; err != nil {
		t.Fatalf("the migrated table: %v", err)
	}
}
