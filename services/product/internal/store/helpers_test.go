package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
	"github.com/cartwheel-shop/cartwheel/pkg/money"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/store"
)

// env is one test's store over a fresh, migrated database.
type env struct {
	t       *testing.T
	ctx     context.Context
	db      *gorm.DB
	store   *store.Store
	catalog *catalog.Service
	stock   *stock.Service
	clock   *clock
}

// onEachEngine runs test once per database engine (pkg/db/dbtest), each time on a
// fresh, migrated database.
func onEachEngine(t *testing.T, test func(t *testing.T, e *env)) {
	t.Helper()
	for _, engine := range dbtest.Engines(t) {
		t.Run(engine.Name, func(t *testing.T) { test(t, newEnv(t, engine.Config)) })
	}
}

func newEnv(t *testing.T, cfg db.Config) *env {
	t.Helper()
	gdb := dbtest.Migrated(t, cfg, store.Migrations)
	c := &clock{now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	st := store.New(gdb, nil, c.Now)
	return &env{
		t: t, ctx: context.Background(), db: gdb, store: st, clock: c,
		catalog: catalog.NewService(st, "USD", c.Now),
		stock:   stock.NewService(st),
	}
}

// clock is a test clock that moves one second per reading, so every product is
// strictly newer than the one created before it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

func usd(cents int64) money.Money { return money.Money{Cents: cents, Currency: "USD"} }

// category seeds one category and returns its id.
func (e *env) category(name string) string {
	e.t.Helper()
	c, err := e.catalog.CreateCategory(e.ctx, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// product creates a product in category with one SKU per price, coded code-1, code-2...
func (e *env) product(categoryID, name, code string, prices ...int64) catalog.Listing {
	e.t.Helper()
	d := catalog.Draft{Name: name, Description: "About " + name, CategoryID: categoryID}
	for i, p := range prices {
		d.SKUs = append(d.SKUs, catalog.SKUDraft{Code: code + "-" + string(rune('1'+i)), Attributes: map[string]string{"n": name}, Price: usd(p)})
	}
	l, err := e.catalog.CreateProduct(e.ctx, d)
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	return l
}

// restock adds qty to sku.
func (e *env) restock(sku string, qty int64) {
	e.t.Helper()
	if _, err := e.stock.Adjust(e.ctx, stock.AdjustRequest{SKU: sku, Delta: qty, Reason: "delivery", ActorID: "staff-1"}); err != nil {
		e.t.Fatalf("restock %s: %v", sku, err)
	}
}

// level reads the stock of sku.
func (e *env) level(sku string) stock.Level {
	e.t.Helper()
	l, err := e.stock.Level(e.ctx, sku)
	if err != nil {
		e.t.Fatalf("level of %s: %v", sku, err)
	}
	return l
}

// count runs a COUNT(*) query.
func (e *env) count(query string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.Raw(query, args...).Scan(&n).Error; err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// counted fails the test unless sku's admitted counter is the units of its admission
// rows (gate.go).
func (e *env) counted(sku string) {
	e.t.Helper()
	counter := e.count("SELECT admitted FROM stock WHERE sku = ?", sku)
	rows := e.count("SELECT COALESCE(SUM(quantity), 0) FROM stock_admissions WHERE sku = ?", sku)
	if counter != rows {
		e.t.Fatalf("%s: the counter holds %d admitted units, its admission rows %d", sku, counter, rows)
	}
}
