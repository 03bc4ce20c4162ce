package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis keeps one GCRA state per key in Redis (github.com/go-redis/redis_rate: one Lua
// script, atomic, timed by the Redis server's clock), so every gateway replica draws
// on the same budget. GCRA is the token bucket of Memory stated as one timestamp per
// key: the same rate, burst and retry-after, and a key's state expires as soon as its
// bucket would be full again.
type Redis struct {
	limiter *redis_rate.Limiter
	limit   redis_rate.Limit
	prefix  string
}

// NewRedis admits perSecond requests per key on average with bursts of burst, keeping
// state under keys that begin with prefix (so environments or tests sharing a Redis
// keep apart). Every replica must be given the same limits: they share the state.
func NewRedis(client redis.UniversalClient, prefix string, perSecond float64, burst int) *Redis {
	return &Redis{
		limiter: redis_rate.NewLimiter(client),
		// One request per emission interval expresses any rate exactly, where the
		// library's whole-number Rate per Period would round 0.5/s or 2.5/s.
		limit:  redis_rate.Limit{Rate: 1, Period: time.Duration(float64(time.Second) / perSecond), Burst: burst},
		prefix: prefix,
	}
}

// Allow fails when Redis does not answer; the caller decides whether to fail open.
func (r *Redis) Allow(ctx context.Context, key string) (Decision, error) {
	return decide(r.Take(ctx, key, 1))
}

// Take consumes up to n of key's tokens in one round trip, as many as there are.
func (r *Redis) Take(ctx context.Context, key string, n int) (int, time.Duration, error) {
	res, err := r.limiter.AllowAtMost(ctx, r.prefix+key, r.limit, n)
	if err != nil {
		return 0, 0, fmt.Errorf("ratelimit: redis: %w", err)
	}
	return res.Allowed, max(res.RetryAfter, 0), nil
}
