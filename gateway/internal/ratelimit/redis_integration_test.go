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

func TestLeasedRedisContract(t *testing.T) {
	client := newClient(t)
	ratelimittest.RunContract(t, func(*testing.T) ratelimit.Limiter {
		shared := ratelimit.NewRedis(client, "cartwheel-test:", ratelimittest.Rate, ratelimittest.Burst)
		return ratelimit.NewLeased(shared, ratelimittest.Burst, 1000, nil)
	})
}

// Two replicas leasing from one Redis never admit more than its budget between them,
// and, spending their leases at once, lose little of it.
func TestLeasedRedisReplicasShareOneBudget(t *testing.T) {
	const burst = 320 // leases of up to 20 tokens
	key := "ip:lease-" + time.Now().Format("150405.000000000")
	replicas := []*ratelimit.Leased{
		ratelimit.NewLeased(ratelimit.NewRedis(newClient(t), "cartwheel-test:", 0.001, burst), burst, 100, nil),
		ratelimit.NewLeased(ratelimit.NewRedis(newClient(t), "cartwheel-test:", 0.001, burst), burst, 100, nil),
	}
	admitted := 0
	for i := range 2 * burst {
		d, err := replicas[i%2].Allow(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			admitted++
		}
	}
	if admitted > burst || admitted < burst-2*20 {
		t.Fatalf("two leasing replicas admitted %d requests, want at most the budget of %d and at most a lease each below it", admitted, burst)
	}
}

func TestRedisTakeGrantsWhatIsLeft(t *testing.T) {
	l := ratelimit.NewRedis(newClient(t), "cartwheel-test:", 0.001, 10)
	key := "ip:take-" + time.Now().Format("150405.000000000")
	if got, _, err := l.Take(t.Context(), key, 7); err != nil || got != 7 {
		t.Fatalf("Take(7) of 10 = %d, %v; want 7", got, err)
	}
	if got, _, err := l.Take(t.Context(), key, 7); err != nil || got != 3 {
		t.Fatalf("Take(7) of the 3 left = %d, %v; want 3", got, err)
	}
	got, retry, err := l.Take(t.Context(), key, 7)
	if err != nil || got != 0 || retry <= 0 {
		t.Fatalf("Take(7) of none = %d, retry after %s, %v; want 0 and a wait", got, retry, err)
	}
}
