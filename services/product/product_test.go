package product_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"

	"github.com/cartwheel-shop/cartwheel/services/product"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := config.LoadFrom[product.Config]("PRODUCT_", map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8882" || cfg.DB.Driver != "sqlite" || cfg.DB.DSN != "data/product.db" || cfg.Currency != "USD" || cfg.SeedDemo {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestConfigRefusals(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string // in the error
	}{
		{"lower-case currency", map[string]string{"PRODUCT_CURRENCY": "usd"}, "CURRENCY"},
		{"currency set but empty", map[string]string{"PRODUCT_CURRENCY": ""}, "PRODUCT_CURRENCY"},
		{"address without port", map[string]string{"PRODUCT_ADDR": "localhost"}, "ADDR"},
		{"unknown driver", map[string]string{"PRODUCT_DB_DRIVER": "postgres"}, "DB_DRIVER"},
		{"mysql without a DSN", map[string]string{"PRODUCT_DB_DRIVER": "mysql"}, "DB_DSN"},
		{"seed flag not a bool", map[string]string{"PRODUCT_SEED_DEMO": "sometimes"}, "PRODUCT_SEED_DEMO"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.LoadFrom[product.Config]("PRODUCT_", c.env)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want one naming %s", err, c.want)
			}
		})
	}
}

func TestNewRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	broker, err := embedded.Open(filepath.Join(dir, "broker.db"), embedded.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { broker.Close() })
	reg := registry.NewStatic(nil)
	cases := []struct {
		name  string
		cfg   product.Config
		deps  product.Deps
		check func(error) bool
	}{
		{"schema never migrated", testConfig(dir, false), product.Deps{Logger: slog.New(slog.DiscardHandler), Registry: reg, MQ: broker},
			func(err error) bool { return errors.Is(err, db.ErrSchemaBehind) }},
		{"no broker", testConfig(dir, false), product.Deps{Logger: slog.New(slog.DiscardHandler), Registry: reg},
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "MQ") }},
		{"bad currency", func() product.Config { c := testConfig(dir, false); c.Currency = "dollars"; return c }(),
			product.Deps{Logger: slog.New(slog.DiscardHandler), Registry: reg, MQ: broker},
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "CURRENCY") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc, cleanup, err := product.New(ctx, c.cfg, c.deps)
			if !c.check(err) || svc != nil || cleanup != nil {
				t.Errorf("New = %v, %v", svc, err)
			}
		})
	}
}

func TestDemoSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := testConfig(dir, true)
	log := testLogger(t)
	if err := product.Migrate(ctx, cfg, log); err != nil {
		t.Fatal(err)
	}
	broker, err := embedded.Open(filepath.Join(dir, "broker.db"), embedded.Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { broker.Close() })
	for range 2 { // the second start finds categories and seeds nothing
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, cleanup, err := product.New(ctx, cfg, product.Deps{Logger: log, Registry: registry.NewStatic(nil), MQ: broker, Listener: ln})
		if err != nil {
			t.Fatal(err)
		}
		cleanup()
	}
	gdb, err := db.Open(cfg.DB, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	count := func(query string, args ...any) int64 {
		var n int64
		if err := gdb.Raw(query, args...).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	checks := []struct {
		what  string
		query string
		args  []any
		want  int64
	}{
		{"categories", "SELECT COUNT(*) FROM categories", nil, 4},
		{"products", "SELECT COUNT(*) FROM products WHERE active", nil, 8},
		{"SKUs", "SELECT COUNT(*) FROM skus", nil, 13},
		{"SKUs with exactly 3 in stock", "SELECT COUNT(*) FROM stock WHERE available = 3", nil, 1},
		{"the grinder's stock", "SELECT available FROM stock WHERE sku = ?", []any{"GEAR-GRINDER-HAND"}, 3},
		{"sold-out SKUs", "SELECT COUNT(*) FROM stock WHERE available = 0", nil, 1},
		{"adjustments by the seed", "SELECT COUNT(*) FROM stock_adjustments WHERE reason = ?", []any{"demo seed"}, 12},
		{"other adjustments", "SELECT COUNT(*) FROM stock_adjustments WHERE reason <> ?", []any{"demo seed"}, 0},
	}
	for _, c := range checks {
		if got := count(c.query, c.args...); got != c.want {
			t.Errorf("%s = %d, want %d", c.what, got, c.want)
		}
	}
}
