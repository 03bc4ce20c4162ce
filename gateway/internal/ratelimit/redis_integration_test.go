//go:build integration

package ratelimit_test

import (
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit"
	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit/ratelimittest"
	"github.com/cartwheel-shop/cartwheel/pkg/cache"
)

// These tests need the Redis of scripts/infra.sh: eval "$(scripts/infra.sh env)". They
// fail, never skip, without it: the integration build only runs with the engines up.

// newClient is one gateway replica's own connection pool to the shared Redis.
func newClient(t *testing.T) *redis.Client {
	t.Helper()
	addr := os.Getenv("CARTWHEEL_REDIS_ADDR")
	if addr == "" {
		t.Fatal(`CARTWHEEL_REDIS_ADDR must be set: eval "$(scripts/infra.sh env)"`)
	}
	client := cache.NewRedisClient(cache.RedisConfig{
		Addr: addr, PoolSize: 4, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
	})
	t.Cleanup(func() { client.Close() })
	return client
}

func TestRedisContract(t *testing.T) {
	client := newClient(t)
	ratelimittest.RunContract(t, func(*testing.T) ratelimit.Limiter {
		return ratelimit.NewRedis(client, "cartwheel-test:", ratelimittest.Rate, ratelimittest.Burst)
	})
}

func TestRedisReplicasShareOneBudget(t *testing.T) {
	const burst = 6
	// Two gateways, each with its own client, limiting the same caller.
	a := ratelimit.NewRedis(newClient(t), "cartwheel-test:", 1, burst)
	b := ratelimit.NewRedis(newClient(t), "cartwheel-test:", 1, burst)
	key := "ip:share-" + time.Now().Format("150405.000000000")
	admitted := 0
	for i := range 2 * burst {
		l := a
		if i%2 == 1 {
			l = b
		}
		d, err := l.Allow(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			admitted++
		} else if d.RetryAfter <= 0 || d.RetryAfter > time.Second {
			t.Fatalf("refusal %d: RetryAfter = %s, want within one token's time (1s)", i, d.RetryAfter)
		}
	}
	if admitted != burst {
		t.Fatalf("two replicas admitted %d requests between them, want the one shared burst of %d", admitted, burst)
	}
	for _, l := range []*ratelimit.Redis{a, b} {
		if d, err := l.Allow(t.Context(), key); err != nil || d.Allowed {
			t.Fatalf("a replica admitted past the shared budget: %+v, %v", d, err)
		}
	}
}

func TestRedisFractionalRate(t *testing.T) {
	l := ratelimit.NewRedis(newClient(t), "cartwheel-test:", 0.5, 1)
	key := "ip:frac-" + time.Now().Format("150405.000000000")
	if d, err := l.Allow(t.Context(), key); err != nil || !d.Allowed {
		t.Fatalf("first request: %+v, %v", d, err)
	}
	d, err := l.Allow(t.Context(), key)
	if err != nil || d.Allowed {
		t.Fatalf("second request: %+v, %v", d, err)
	}
	if d.RetryAfter < 1900*time.Millisecond || d.RetryAfter > 2*time.Second {
		t.Fatalf("RetryAfter = %s, want about 2s at 0.5/s", d.RetryAfter)
	}
}
