package store_test

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/store"
)

func TestCreateCategory(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tea, err := e.catalog.CreateCategory(e.ctx, "  Tea ")
		if err != nil {
			t.Fatal(err)
		}
		eclairs, err := e.catalog.CreateCategory(e.ctx, "Éclairs")
		if err != nil {
			t.Fatal(err)
		}
		// A name that only contains another is a name of its own.
		teas, err := e.catalog.CreateCategory(e.ctx, "Teas")
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"Tea", "TEA", " tea", "tEA", "ÉCLAIRS", "éclairs"} {
			t.Run("duplicate "+name, func(t *testing.T) {
				if c, err := e.catalog.CreateCategory(e.ctx, name); !errors.Is(err, catalog.ErrCategoryTaken) {
					t.Fatalf("CreateCategory(%q) = %+v, %v; want ErrCategoryTaken", name, c, err)
				}
			})
		}
		got, err := e.catalog.Categories(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []catalog.Category{{ID: tea.ID, Name: "Tea"}, {ID: teas.ID, Name: "Teas"}, {ID: eclairs.ID, Name: "Éclairs"}}
		if !slices.Equal(got, want) {
			t.Errorf("categories = %+v,\nwant %+v (refused names leave nothing behind)", got, want)
		}
		if n := e.count("SELECT COUNT(*) FROM category_names"); n != 3 {
			t.Errorf("%d name keys stored, want one per category", n)
		}
		// A product can be filed under a created category.
		if p := e.product(eclairs.ID, "Paris-Brest", "PB", 450); p.Category != eclairs {
			t.Errorf("product category = %+v, want %+v", p.Category, eclairs)
		}
	})
}

// The longest name is stored whole, and so is its key, on engines that enforce the
// column's length (MySQL) as on those that do not.
func TestCreateCategoryAtTheLengthLimit(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		name := strings.Repeat("İ", catalog.MaxCategoryNameLen)
		if _, err := e.catalog.CreateCategory(e.ctx, name); err != nil {
			t.Fatal(err)
		}
		got, err := e.catalog.Categories(e.ctx)
		if err != nil || len(got) != 1 || got[0].Name != name {
			t.Fatalf("categories = %+v, %v; want the one %d-character name", got, err, catalog.MaxCategoryNameLen)
		}
		if _, err := e.catalog.CreateCategory(e.ctx, strings.Repeat("i", catalog.MaxCategoryNameLen)); !errors.Is(err, catalog.ErrCategoryTaken) {
			t.Errorf("the same name in lower case: %v, want ErrCategoryTaken", err)
		}
	})
}

// Categories made before names were keyed (by the demo seed) get their keys from the
// migration, so their names are taken too.
func TestMigrationKeysEarlierCategories(t *testing.T) {
	for _, engine := range dbtest.Engines(t) {
		t.Run(engine.Name, func(t *testing.T) {
			gdb := dbtest.Open(t, engine.Config)
			if err := db.Migrate(t.Context(), gdb, migrationsBefore(t, "0004")); err != nil {
				t.Fatal(err)
			}
			err := gdb.Exec("INSERT INTO categories (id, name, created_at) VALUES (?, ?, ?)",
				"01935e1c-0000-7000-8000-0000000000c1", "Brewing gear", db.NewTime(time.Now())).Error
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(t.Context(), gdb, store.Migrations); err != nil {
				t.Fatal(err)
			}
			cat := catalog.NewService(store.New(gdb, nil, time.Now), "USD", time.Now)
			if _, err := cat.CreateCategory(t.Context(), "BREWING GEAR"); !errors.Is(err, catalog.ErrCategoryTaken) {
				t.Errorf("a seeded name in upper case: %v, want ErrCategoryTaken", err)
			}
			if _, err := cat.CreateCategory(t.Context(), "Books"); err != nil {
				t.Errorf("a new name after the migration: %v", err)
			}
		})
	}
}

// migrationsBefore is the schema as it was before migration version, for testing
// what that migration does to existing rows.
func migrationsBefore(t *testing.T, version string) fs.FS {
	t.Helper()
	entries, err := fs.ReadDir(store.Migrations, ".")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, e := range entries {
		if e.Name() >= version {
			continue
		}
		data, err := fs.ReadFile(store.Migrations, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: data}
	}
	if len(out) == 0 {
		t.Fatalf("no migration before %s", version)
	}
	return out
}
