//go:build integration

package cache_test

import (
	"os"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/cache"
	"github.com/cartwheel-shop/cartwheel/pkg/cache/cachetest"
)

// These tests need the Redis of scripts/infra.sh: eval "$(scripts/infra.sh env)". They
// fail, never skip, without it: the integration build only runs with the engines up,
// and a skip would pass silently.

func redisConfig(t *testing.T) cache.RedisConfig {
	t.Helper()
	addr := os.Getenv("CARTWHEEL_REDIS_ADDR")
	if addr == "" {
		t.Fatal(`CARTWHEEL_REDIS_ADDR must be set: eval "$(scripts/infra.sh env)"`)
	}
	cfg := cache.RedisConfig{Addr: addr, PoolSize: 8, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second}
	if err := cfg.Validate("CARTWHEEL_REDIS_"); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestRedisContract(t *testing.T) {
	client := cache.NewRedisClient(redisConfig(t))
	t.Cleanup(func() { client.Close() })
	cachetest.RunContract(t, func(*testing.T) cache.Cache { return cache.NewRedis(client) })
}
