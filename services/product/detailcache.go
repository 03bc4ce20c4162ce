package product

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cartwheel-shop/cartwheel/pkg/cache"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalogcache"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/store"
)

// CacheConfig is the product detail cache (GetProduct), read from PRODUCT_CACHE_*.
type CacheConfig struct {
	// Driver keeps details in process ("memory") or in Redis ("redis", configured by
	// PRODUCT_REDIS_*). Only Redis carries an update made on one replica to the others:
	// with several replicas, memory would serve a changed product until its TTL.
	Driver string `env:"DRIVER" envDefault:"memory"`
	// TTL bounds how long a detail lives; it is also the longest a change stays
	// unseen should its invalidation fail (Redis unreachable at that moment).
	TTL time.Duration `env:"TTL" envDefault:"1m"`
	// NegativeTTL is how long "no such product" is remembered, so lookups of ids that
	// do not exist reach the database once per id and period.
	NegativeTTL time.Duration `env:"NEGATIVE_TTL" envDefault:"5s"`
	// MaxBytes bounds the memory driver (keys, values and bookkeeping).
	MaxBytes int64 `env:"MAX_BYTES" envDefault:"67108864"`
}

// detailJitter spreads TTLs by ±10% so details cached together do not expire, and hit
// the database, together.
const detailJitter = 0.1

// Bounds of the cache settings.
const (
	minCacheTTL         = time.Second
	maxCacheTTL         = 24 * time.Hour
	minCacheNegativeTTL = 100 * time.Millisecond
	maxCacheNegativeTTL = time.Minute
	minCacheBytes       = 1 << 20
	maxCacheBytes       = 16 << 30
)

// validate checks the cache settings, and redis when Redis is the driver.
func (c *CacheConfig) validate(redis *cache.RedisConfig) error {
	if err := config.OneOf("PRODUCT_CACHE_DRIVER", c.Driver, "memory", "redis"); err != nil {
		return err
	}
	var problems []error
	if c.TTL < minCacheTTL || c.TTL > maxCacheTTL {
		problems = append(problems, fmt.Errorf("PRODUCT_CACHE_TTL=%s: must be between %s and %s", c.TTL, minCacheTTL, maxCacheTTL))
	}
	if c.NegativeTTL < minCacheNegativeTTL || c.NegativeTTL > maxCacheNegativeTTL || c.NegativeTTL > c.TTL {
		problems = append(problems, fmt.Errorf("PRODUCT_CACHE_NEGATIVE_TTL=%s: must be between %s and %s, and at most PRODUCT_CACHE_TTL",
			c.NegativeTTL, minCacheNegativeTTL, maxCacheNegativeTTL))
	}
	switch c.Driver {
	case "memory":
		if c.MaxBytes < minCacheBytes || c.MaxBytes > maxCacheBytes {
			problems = append(problems, fmt.Errorf("PRODUCT_CACHE_MAX_BYTES=%d: must be between %d and %d", c.MaxBytes, minCacheBytes, int64(maxCacheBytes)))
		}
	case "redis":
		problems = append(problems, redis.Validate("PRODUCT_REDIS_"))
	}
	return errors.Join(problems...)
}

// cachedCatalog wraps st with the detail cache of cfg and registers what closes it.
// A Redis that does not answer at start-up is reported, not fatal: reads then go to
// the database until it does.
func cachedCatalog(ctx context.Context, cfg Config, st *store.Store, log *slog.Logger, reg prometheus.Registerer, closers *suite.Closers) (catalog.Store, error) {
	var c cache.Cache
	switch cfg.Cache.Driver {
	case "redis":
		client := cache.NewRedisClient(cfg.Redis)
		closers.Add(client.Close)
		pingCtx, cancel := context.WithTimeout(ctx, cfg.Redis.DialTimeout+cfg.Redis.ReadTimeout)
		defer cancel()
		if err := client.Ping(pingCtx).Err(); err != nil {
			log.WarnContext(ctx, "product cache's Redis does not answer; product details are read from the database until it does",
				"addr", cfg.Redis.Addr, "err", err)
		}
		c = cache.NewRedis(client)
	default:
		c = cache.NewMemory(cfg.Cache.MaxBytes, nil)
	}
	looked, err := cache.CountLookups(reg, "product_detail")
	if err != nil {
		return nil, err
	}
	return catalogcache.New(st, st, c, cache.Options{
		TTL: cfg.Cache.TTL, NegativeTTL: cfg.Cache.NegativeTTL, Jitter: detailJitter, Logger: log,
		Looked: looked,
	})
}
