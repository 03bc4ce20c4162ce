package product_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	"github.com/cartwheel-shop/cartwheel/pkg/cache"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"

	"github.com/cartwheel-shop/cartwheel/services/product"
)

func TestProductUpdateInvalidatesTheCachedDetail(t *testing.T) {
	s := startShop(t)
	checkDetailCache(t, s, s.client)
}

func TestProductDetailsKeepWorkingWithoutRedis(t *testing.T) {
	s := startShop(t)
	p := s.newProduct("Kettle", map[string]int64{"KETTLE-NOREDIS-1": 3})
	var logs testkit.SyncBuffer
	cfg := s.cfg
	cfg.Cache.Driver = "redis"
	cfg.Redis = cache.RedisConfig{Addr: testkit.FreeAddr(t), PoolSize: 2, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second}
	replica := serve(t, cfg, s.broker, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)

	got, err := replica.GetProduct(s.ctx, &productapi.GetProductRequest{Id: p.Id})
	if err != nil || got.Name != "Kettle" || got.Skus[0].Available != 3 {
		t.Fatalf("GetProduct with Redis away = %+v, %v; want it read from the database", got, errs.FromRPC(err))
	}
	name := "Steel kettle"
	if _, err := replica.UpdateProduct(s.ctx, &productapi.UpdateProductRequest{Id: p.Id, Name: &name}); err != nil {
		t.Fatalf("UpdateProduct with Redis away: %v", errs.FromRPC(err))
	}
	if got, err := replica.GetProduct(s.ctx, &productapi.GetProductRequest{Id: p.Id}); err != nil || got.Name != name {
		t.Fatalf("GetProduct after the update = %+v, %v", got, errs.FromRPC(err))
	}
	for _, want := range []string{
		"product cache's Redis does not answer",  // at start-up
		"cache failing, reading from the source", // on the first read
		"product detail not invalidated",         // on the update, which still succeeded
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q in the logs:\n%s", want, logs.String())
		}
	}
}

// checkDetailCache proves, through writer (s.client) and every reader, that product
// details are cached and shared by the readers, that stock is never cached, and that
// updates invalidate the detail. A change made in the database behind the service's
// back stands for a cached entry: the service only sees it once it loads again.
func checkDetailCache(t *testing.T, s *shop, readers ...productservice.Client) {
	t.Helper()
	p := s.newProduct("Cached kettle", map[string]int64{"KETTLE-CACHE-1": 2})
	behind := openDB(t, s.cfg)

	read := func(c productservice.Client, includeInactive bool) (*productapi.Product, error) {
		return c.GetProduct(s.ctx, &productapi.GetProductRequest{Id: p.Id, IncludeInactive: &includeInactive})
	}
	mustRead := func(c productservice.Client) *productapi.Product {
		t.Helper()
		got, err := read(c, false)
		if err != nil {
			t.Fatalf("GetProduct: %v", errs.FromRPC(err))
		}
		return got
	}
	update := func(req *productapi.UpdateProductRequest) {
		t.Helper()
		req.Id = p.Id
		if _, err := s.client.UpdateProduct(s.ctx, req); err != nil {
			t.Fatalf("UpdateProduct: %v", errs.FromRPC(err))
		}
	}

	if got := mustRead(readers[0]); got.Name != "Cached kettle" || got.Skus[0].Available != 2 {
		t.Fatalf("first read = %+v", got)
	}
	behind.exec("UPDATE products SET name = ? WHERE id = ?", "Renamed behind its back", p.Id)
	for i, r := range readers {
		if got := mustRead(r); got.Name != "Cached kettle" {
			t.Fatalf("reader %d: name %q; the detail the first read cached is not served", i, got.Name)
		}
	}

	t.Run("stock is read now, never from the cache", func(t *testing.T) {
		if _, err := s.client.AdjustStock(s.ctx, &productapi.AdjustStockRequest{Sku: "KETTLE-CACHE-1", Delta: 5, Reason: "delivery", ActorId: "test"}); err != nil {
			t.Fatal(errs.FromRPC(err))
		}
		for i, r := range readers {
			if got := mustRead(r); got.Skus[0].Available != 7 {
				t.Fatalf("reader %d: available %d right after a delivery, want 7", i, got.Skus[0].Available)
			}
		}
		// Reservations and sales move stock in the order consumer's transactions.
		behind.exec("UPDATE stock SET available = 1, reserved = 6 WHERE sku = ?", "KETTLE-CACHE-1")
		for i, r := range readers {
			if got := mustRead(r); got.Skus[0].Available != 1 || got.Name != "Cached kettle" {
				t.Fatalf("reader %d: %q with %d available, want the cached name with 1 available", i, got.Name, got.Skus[0].Available)
			}
		}
	})

	t.Run("an update invalidates the detail", func(t *testing.T) {
		update(&productapi.UpdateProductRequest{Prices: map[string]*baseapi.Money{"KETTLE-CACHE-1": usd(999)}})
		for i, r := range readers {
			got := mustRead(r)
			if got.Skus[0].Price.AmountCents != 999 || got.Name != "Renamed behind its back" {
				t.Fatalf("reader %d after UpdateProduct: %q at %d; want the whole detail loaded again", i, got.Name, got.Skus[0].Price.AmountCents)
			}
		}
	})

	t.Run("deactivating and reactivating", func(t *testing.T) {
		off, on := false, true
		update(&productapi.UpdateProductRequest{Active: &off})
		for i, r := range readers {
			if _, err := read(r, false); errs.FromRPC(err) == nil || errs.FromRPC(err).Code != errs.ProductNotFound {
				t.Fatalf("reader %d: a deactivated product answers %v, want PRODUCT_NOT_FOUND", i, err)
			}
			if got, err := read(r, true); err != nil || got.Active || got.Skus[0].Active {
				t.Fatalf("reader %d with include_inactive: %+v, %v; want the inactive product", i, got, err)
			}
		}
		update(&productapi.UpdateProductRequest{Active: &on})
		for i, r := range readers {
			if got := mustRead(r); !got.Active {
				t.Fatalf("reader %d: reactivated product reads inactive", i)
			}
		}
	})

	t.Run("an id that does not exist", func(t *testing.T) {
		missing := ids.New()
		for range 2 { // the second answer comes from the negative cache
			for i, r := range readers {
				_, err := r.GetProduct(s.ctx, &productapi.GetProductRequest{Id: missing})
				if e := errs.FromRPC(err); e == nil || e.Code != errs.ProductNotFound {
					t.Fatalf("reader %d: unknown id answers %v, want PRODUCT_NOT_FOUND", i, err)
				}
			}
		}
	})
}

// database is a handle on the service's database that bypasses the service.
type database struct {
	t   *testing.T
	cfg db.Config
}

func openDB(t *testing.T, cfg product.Config) *database {
	return &database{t: t, cfg: cfg.DB}
}

// exec runs one statement on a connection of its own, closed at once, so SQLite's
// single writer is free again for the service.
func (d *database) exec(query string, args ...any) {
	d.t.Helper()
	gdb, err := db.Open(d.cfg, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	defer db.Close(gdb)
	res := gdb.Exec(query, args...)
	if res.Error != nil || res.RowsAffected != 1 {
		d.t.Fatalf("%s: %v, %d rows", query, res.Error, res.RowsAffected)
	}
}

func TestCacheConfig(t *testing.T) {
	cfg, err := config.LoadFrom[product.Config]("PRODUCT_", map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	want := product.CacheConfig{Driver: "memory", TTL: time.Minute, NegativeTTL: 5 * time.Second, MaxBytes: 64 << 20}
	if cfg.Cache != want {
		t.Errorf("cache defaults = %+v, want %+v", cfg.Cache, want)
	}
	cases := []struct {
		name string
		env  map[string]string
		want []string // in the error; none means valid
	}{
		{"redis", map[string]string{"PRODUCT_CACHE_DRIVER": "redis", "PRODUCT_REDIS_ADDR": "10.0.0.7:6379", "PRODUCT_REDIS_PASSWORD": "pw"}, nil},
		{"unknown driver", map[string]string{"PRODUCT_CACHE_DRIVER": "memcached"}, []string{"PRODUCT_CACHE_DRIVER"}},
		{"redis without an address", map[string]string{"PRODUCT_CACHE_DRIVER": "redis"}, []string{"PRODUCT_REDIS_ADDR is required"}},
		{"redis settings all wrong", map[string]string{
			"PRODUCT_CACHE_DRIVER": "redis", "PRODUCT_REDIS_ADDR": "redis", "PRODUCT_REDIS_DB": "-1",
			"PRODUCT_REDIS_POOL_SIZE": "0", "PRODUCT_REDIS_DIAL_TIMEOUT": "0s",
		}, []string{"PRODUCT_REDIS_ADDR", "PRODUCT_REDIS_DB", "PRODUCT_REDIS_POOL_SIZE", "PRODUCT_REDIS_DIAL_TIMEOUT"}},
		{"memory ignores redis settings", map[string]string{"PRODUCT_REDIS_POOL_SIZE": "0"}, nil},
		{"ttls out of range", map[string]string{"PRODUCT_CACHE_TTL": "500ms", "PRODUCT_CACHE_NEGATIVE_TTL": "10ms"},
			[]string{"PRODUCT_CACHE_TTL=500ms", "PRODUCT_CACHE_NEGATIVE_TTL=10ms"}},
		{"negative ttl longer than ttl", map[string]string{"PRODUCT_CACHE_TTL": "2s", "PRODUCT_CACHE_NEGATIVE_TTL": "3s"},
			[]string{"PRODUCT_CACHE_NEGATIVE_TTL=3s"}},
		{"ttl not a duration", map[string]string{"PRODUCT_CACHE_TTL": "often"}, []string{"PRODUCT_CACHE_TTL"}},
		{"memory too small", map[string]string{"PRODUCT_CACHE_MAX_BYTES": "1000"}, []string{"PRODUCT_CACHE_MAX_BYTES"}},
		{"gate hints off", map[string]string{"PRODUCT_GATE_HINT_TTL": "0s"}, nil},
		{"gate hints too long", map[string]string{"PRODUCT_GATE_HINT_TTL": "2m"}, []string{"PRODUCT_GATE_HINT_TTL=2m0s"}},
		{"gate hints negative", map[string]string{"PRODUCT_GATE_HINT_TTL": "-1s"}, []string{"PRODUCT_GATE_HINT_TTL=-1s"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.LoadFrom[product.Config]("PRODUCT_", c.env)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want errors naming %q, got none", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
