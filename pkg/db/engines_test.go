package db

import (
	"context"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func sqlFile(body string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(body)} }

func TestForEngineShowsEachEngineItsOwnFileOfAPair(t *testing.T) {
	migrations := fstest.MapFS{
		"0001_both.sql":          sqlFile("both"),
		"0002_index.sqlite.sql":  sqlFile("sqlite"),
		"0002_index.mysql.sql":   sqlFile("mysql"),
		"0003_later.sql":         sqlFile("later"),
		"README.md":              sqlFile("not a migration"),
		"0004_notes.sql.orig":    sqlFile("not a migration either"),
		"subdir/0005_nested.sql": sqlFile("goose reads the root only"),
	}
	for _, driver := range []string{"sqlite", "mysql"} {
		t.Run(driver, func(t *testing.T) {
			own, err := forEngine(migrations, driver)
			if err != nil {
				t.Fatal(err)
			}
			names, err := fs.Glob(own, "*.sql")
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"0001_both.sql", "0002_index.sql", "0003_later.sql"}; !slices.Equal(names, want) {
				t.Fatalf("goose sees %v, want %v", names, want)
			}
			for name, want := range map[string]string{"0001_both.sql": "both", "0002_index.sql": driver} {
				got, err := fs.ReadFile(own, name)
				if err != nil || string(got) != want {
					t.Errorf("%s reads %q (%v), want %q", name, got, err, want)
				}
			}
			if _, err := own.Open("0002_index.mysql.sql"); err == nil {
				t.Error("a file of the pair is visible under its own name")
			}
		})
	}
}

func TestForEngineRefusesAnIncompleteOrDoubledMigration(t *testing.T) {
	for name, tc := range map[string]struct {
		files fstest.MapFS
		want  string
	}{
		"sqlite_half_only": {fstest.MapFS{"0002_index.sqlite.sql": sqlFile("")}, "0002_index.sqlite.sql has no .mysql.sql twin"},
		"mysql_half_only":  {fstest.MapFS{"0002_index.mysql.sql": sqlFile("")}, "0002_index.mysql.sql has no .sqlite.sql twin"},
		"both_ways": {fstest.MapFS{
			"0002_index.sql": sqlFile(""), "0002_index.sqlite.sql": sqlFile(""), "0002_index.mysql.sql": sqlFile(""),
		}, "0002_index.sql is also written per engine"},
	} {
		t.Run(name, func(t *testing.T) {
			// Refused on either engine, so a pair cannot be half-written unnoticed in
			// SQLite-only tests.
			for _, driver := range []string{"sqlite", "mysql"} {
				if _, err := forEngine(tc.files, driver); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: got %v, want an error naming %q", driver, err, tc.want)
				}
			}
		})
	}
}

func TestUpgradeRunsTheEnginesOwnFileAndItsDown(t *testing.T) {
	migrations := fstest.MapFS{
		"0001_notes.sql": sqlFile("-- +goose Up\nCREATE TABLE notes (id VARCHAR(36) NOT NULL PRIMARY KEY, at DATETIME(6) NOT NULL);\n" +
			"-- +goose Down\nDROP TABLE notes;\n"),
		"0002_notes_at.sqlite.sql": sqlFile("-- +goose Up\nCREATE INDEX notes_at ON notes (at);\n-- +goose Down\nDROP INDEX notes_at;\n"),
		"0002_notes_at.mysql.sql":  sqlFile("-- +goose Up\nCREATE INDEX notes_at ON notes (at);\n-- +goose Down\nDROP INDEX notes_at ON notes;\n"),
	}
	ctx := context.Background()
	gdb, err := Open(Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "notes.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(gdb)
	if err := Migrate(ctx, gdb, migrations); err != nil {
		t.Fatal(err)
	}
	if err := CheckCurrent(ctx, gdb, migrations); err != nil {
		t.Fatalf("after Migrate: %v", err)
	}
	indexes := func() int64 {
		var n int64
		if err := gdb.Raw("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'notes_at'").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if indexes() != 1 {
		t.Fatal("the SQLite file of the pair did not run")
	}
	p, err := provider(gdb, migrations)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Down(ctx); err != nil {
		t.Fatalf("down: %v", err)
	}
	if indexes() != 0 {
		t.Fatal("the SQLite down did not drop the index")
	}
}
