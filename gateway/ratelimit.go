package gateway

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net"
	"strconv"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit"
	"github.com/cartwheel-shop/cartwheel/pkg/cache"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/livecfg"
)

// maxLimiterKeys bounds each in-process limiter's memory (a bucket is ~200 bytes).
const maxLimiterKeys = 100_000

// redisProbeEvery is how often a gateway whose Redis is failing asks it again; requests
// in between are admitted without waiting for Redis's timeout.
const redisProbeEvery = 5 * time.Second

// limiters are the per-IP and per-user budgets (live settings tune them), how the login
// defence makes its own, and the access-token revocation list: all state that lives on
// the rate driver.
type limiters struct {
	perIP, perUser *ratelimit.Tunable
	newLogin       func(name string, perSecond float64, burst int) ratelimit.Forgetter
	revocations    revocations
}

// newLimiters builds the limiters of cfg.RateDriver and what closes them. The Redis
// client connects lazily, so a gateway whose Redis is down still starts, and admits
// requests unlimited (fail open, logged once per outage) until Redis answers; New says
// so at once.
func newLimiters(ctx context.Context, cfg Config, log *slog.Logger) (limiters, io.Closer) {
	if cfg.RateDriver != "redis" {
		memory := func(perSecond float64, burst int) ratelimit.Limiter {
			return ratelimit.NewMemory(perSecond, burst, maxLimiterKeys, nil)
		}
		return limiters{
			perIP:   ratelimit.NewTunable(cfg.RatePerIP, cfg.BurstPerIP, memory),
			perUser: ratelimit.NewTunable(cfg.RatePerUser, cfg.BurstPerUser, memory),
			newLogin: func(_ string, perSecond float64, burst int) ratelimit.Forgetter {
				return ratelimit.NewMemory(perSecond, burst, maxLimiterKeys, nil)
			},
			revocations: newMemoryRevocations(cfg.AccessTTL),
		}, nothingToClose{}
	}
	client := cache.NewRedisClient(cfg.Redis)
	pingCtx, cancel := context.WithTimeout(ctx, cfg.Redis.DialTimeout+cfg.Redis.ReadTimeout)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		log.WarnContext(ctx, "rate limiter's Redis does not answer; requests are admitted unlimited until it does",
			"addr", cfg.Redis.Addr, "err", err)
	}
	failOpen := func(name string, l ratelimit.Limiter) *ratelimit.FailOpen {
		return ratelimit.NewFailOpen(l, redisProbeEvery, log.With("limiter", name), nil)
	}
	// The per-request budgets are spent in leases (ratelimit.Leased): one round trip to
	// Redis per batch of a busy key's tokens rather than per request.
	onRedis := func(name string) func(float64, int) ratelimit.Limiter {
		return func(perSecond float64, burst int) ratelimit.Limiter {
			shared := ratelimit.NewRedis(client, cfg.RateKeyPrefix, perSecond, burst)
			return failOpen(name, ratelimit.NewLeased(shared, burst, maxLimiterKeys, nil))
		}
	}
	return limiters{
		perIP:   ratelimit.NewTunable(cfg.RatePerIP, cfg.BurstPerIP, onRedis("per_ip")),
		perUser: ratelimit.NewTunable(cfg.RatePerUser, cfg.BurstPerUser, onRedis("per_user")),
		newLogin: func(name string, perSecond float64, burst int) ratelimit.Forgetter {
			return failOpen(name, ratelimit.NewRedis(client, cfg.RateKeyPrefix, perSecond, burst))
		},
		revocations: &redisRevocations{client: client, prefix: cfg.RateKeyPrefix, ttl: cfg.AccessTTL},
	}, client
}

// tune applies the live rate limits.
func (l limiters) tune(s livecfg.Settings) {
	l.perIP.Set(s.RatePerIP, s.BurstPerIP)
	l.perUser.Set(s.RatePerUser, s.BurstPerUser)
}

// closerFunc lets a stop function join the closers New keeps.
type closerFunc func()

func (f closerFunc) Close() error { f(); return nil }

type nothingToClose struct{}

func (nothingToClose) Close() error { return nil }

// limit refuses requests over the limiter's budget for the key that keyOf picks. A
// limiter that errors lets the request through: losing rate limiting for a while beats
// losing the API. (The Redis limiters are wrapped in ratelimit.FailOpen, which never
// errs and logs an outage once; this is the backstop for any other.)
func limit(l ratelimit.Limiter, keyOf func(*app.RequestContext) string, log *slog.Logger) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		d, err := l.Allow(ctx, keyOf(c))
		if err != nil {
			log.WarnContext(ctx, "rate limiter unavailable, admitting request",
				"request_id", requestID(c), "err", err)
			return
		}
		if !d.Allowed {
			refuseFor(c, d.RetryAfter)
		}
	}
}

// refuseFor answers 429 with the whole seconds to wait, at least one.
func refuseFor(c *app.RequestContext, wait time.Duration) {
	c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	abortWith(c, errs.New(errs.RateLimited))
}

// clientIP is the TCP peer. X-Forwarded-For is ignored: any client can write it, and
// trusting it would let a caller pick its own rate-limit bucket.
func clientIP(c *app.RequestContext) string {
	addr := c.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return "ip:" + host
	}
	return "ip:" + addr
}

// userKey buckets authenticated requests by user, wherever they come from.
func userKey(c *app.RequestContext) string { return "user:" + callerID(c) }
