//go:build integration

package product_test

import (
	"os"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/services/product"
)

// This test needs the Redis of scripts/infra.sh: eval "$(scripts/infra.sh env)". It
// fails, never skips, without it: the integration build only runs with the engines up.

// TestProductUpdateInvalidatesTheCachedDetailInRedis runs two replicas of the service
// over one database and one Redis: an update through the first must reach what the
// second serves, and what one replica cached the other serves too.
func TestProductUpdateInvalidatesTheCachedDetailInRedis(t *testing.T) {
	addr := os.Getenv("CARTWHEEL_REDIS_ADDR")
	if addr == "" {
		t.Fatal(`CARTWHEEL_REDIS_ADDR must be set: eval "$(scripts/infra.sh env)"`)
	}
	s := startShop(t, func(c *product.Config) {
		c.Cache.Driver = "redis"
		c.Redis.Addr, c.Redis.PoolSize = addr, 4
		c.Redis.DialTimeout, c.Redis.ReadTimeout, c.Redis.WriteTimeout = time.Second, time.Second, time.Second
	})
	replica := serve(t, s.cfg, s.broker, s.log, nil)
	// The replica reads first and fills the cache; the first service must then serve
	// that same entry, and the first service's updates must reach the replica.
	checkDetailCache(t, s, replica, s.client)
}
