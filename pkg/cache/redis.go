package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisConfig is a connection to one Redis server, read with envPrefix (e.g.
// PRODUCT_REDIS_, GATEWAY_REDIS_). Its timeouts are short on purpose: Redis sits in
// front of a database or in the way of every request, and an answer slower than the
// work it saves is worth nothing; callers fall back when it fails.
type RedisConfig struct {
	Addr         string        `env:"ADDR"` // host:port; required when Redis is the driver
	Password     string        `env:"PASSWORD" secret:"true"`
	DB           int           `env:"DB" envDefault:"0"`
	PoolSize     int           `env:"POOL_SIZE" envDefault:"20"`
	DialTimeout  time.Duration `env:"DIAL_TIMEOUT" envDefault:"1s"`
	ReadTimeout  time.Duration `env:"READ_TIMEOUT" envDefault:"250ms"`
	WriteTimeout time.Duration `env:"WRITE_TIMEOUT" envDefault:"250ms"`
}

// maxTimeout bounds the timeouts: a Redis that needs longer is down for our purposes.
const maxTimeout = 30 * time.Second

// Validate reports every problem at once, naming each variable as prefix+name (the
// prefix the binary reads the struct with, e.g. "PRODUCT_REDIS_").
func (c *RedisConfig) Validate(prefix string) error {
	var problems []error
	if c.Addr == "" {
		problems = append(problems, fmt.Errorf("%sADDR is required", prefix))
	} else if host, port, err := net.SplitHostPort(c.Addr); err != nil || host == "" || port == "" {
		problems = append(problems, fmt.Errorf("%sADDR=%q: must be host:port", prefix, c.Addr))
	}
	if c.DB < 0 || c.DB > 255 {
		problems = append(problems, fmt.Errorf("%sDB=%d: must be 0 to 255", prefix, c.DB))
	}
	if c.PoolSize < 1 || c.PoolSize > 1000 {
		problems = append(problems, fmt.Errorf("%sPOOL_SIZE=%d: must be 1 to 1000", prefix, c.PoolSize))
	}
	for _, t := range []struct {
		name string
		d    time.Duration
	}{{"DIAL_TIMEOUT", c.DialTimeout}, {"READ_TIMEOUT", c.ReadTimeout}, {"WRITE_TIMEOUT", c.WriteTimeout}} {
		if t.d < time.Millisecond || t.d > maxTimeout {
			problems = append(problems, fmt.Errorf("%s%s=%s: must be between 1ms and %s", prefix, t.name, t.d, maxTimeout))
		}
	}
	return errors.Join(problems...)
}

// NewRedisClient connects lazily: nothing is dialled until the first command, so a
// process whose Redis is down still starts and degrades instead of refusing to run.
// Every command inside a trace is a span of it (go-redis's own OpenTelemetry hook).
func NewRedisClient(c RedisConfig) *redis.Client {
	client := redis.NewClient(&redis.Options{
		Addr:         c.Addr,
		Password:     c.Password,
		DB:           c.DB,
		PoolSize:     c.PoolSize,
		DialTimeout:  c.DialTimeout,
		ReadTimeout:  c.ReadTimeout,
		WriteTimeout: c.WriteTimeout,
		// One attempt per command and per dial: callers have a fallback, and retries
		// would only multiply the wait while Redis is away (and could count a rate-limit
		// hit twice).
		MaxRetries:    -1,
		DialerRetries: 1,
		// A caller's deadline bounds the command too, not only the socket timeouts.
		ContextTimeoutEnabled: true,
		// CLIENT SETINFO and maintenance notifications are unknown to Redis 7.0 and of no
		// use to a single server: skip the handshake round trips.
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	// Only fails on bad options; none are passed.
	// Without the caller's file and line: the hook finds them by walking the stack on
	// every command, sampled or not (6.7% of the gateway's CPU under load), and only to
	// name the first frame outside go-redis, which the span's parent shows anyway.
	_ = redisotel.InstrumentTracing(client, redisotel.WithDBStatement(false), redisotel.WithCallerEnabled(false))
	return client
}

// Redis is the Redis driver. An entry is one Redis string whose first byte says what
// it is (value, not-found marker, hold) and whose TTL is the entry's, so expiry, Add
// (SET NX) and Hold are single atomic commands and every replica sees the same state.
type Redis struct {
	client redis.UniversalClient
}

// NewRedis stores entries through client; the caller closes the client.
func NewRedis(client redis.UniversalClient) *Redis { return &Redis{client: client} }

// Get fails with ErrMiss on an absent or held key, and with an error on a key this
// driver did not write.
func (r *Redis) Get(ctx context.Context, key string) (Entry, error) {
	data, err := r.client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return Entry{}, ErrMiss
	}
	if err != nil {
		return Entry{}, fmt.Errorf("cache: redis get: %w", err)
	}
	if len(data) == 0 {
		return Entry{}, fmt.Errorf("cache: redis key %q holds an empty string, not a cache entry", key)
	}
	switch kind(data[0]) {
	case kindValue:
		return Entry{Value: data[1:]}, nil
	case kindNotFound:
		return Entry{NotFound: true}, nil
	case kindHold:
		return Entry{}, ErrMiss
	}
	return Entry{}, fmt.Errorf("cache: redis key %q holds something this driver did not write", key)
}

// Set is one SET with PX.
func (r *Redis) Set(ctx context.Context, key string, e Entry, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	if err := r.client.Set(ctx, key, encode(kindOf(e), e.Value), ttl).Err(); err != nil {
		return fmt.Errorf("cache: redis set: %w", err)
	}
	return nil
}

// Add is one SET NX with PX.
func (r *Redis) Add(ctx context.Context, key string, e Entry, ttl time.Duration) (bool, error) {
	if err := checkTTL(ttl); err != nil {
		return false, err
	}
	ok, err := r.client.SetNX(ctx, key, encode(kindOf(e), e.Value), ttl).Result()
	if err != nil {
		return false, fmt.Errorf("cache: redis add: %w", err)
	}
	return ok, nil
}

// Hold is one SET with PX of the hold marker.
func (r *Redis) Hold(ctx context.Context, key string, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	if err := r.client.Set(ctx, key, encode(kindHold, nil), ttl).Err(); err != nil {
		return fmt.Errorf("cache: redis hold: %w", err)
	}
	return nil
}

// Delete is one DEL.
func (r *Redis) Delete(ctx context.Context, key string) error {
	if err := r.client.Del(ctx, key).Err(); err != nil {
		return fmt.Errorf("cache: redis delete: %w", err)
	}
	return nil
}

func encode(k kind, value []byte) []byte {
	out := make([]byte, 1+len(value))
	out[0] = byte(k)
	copy(out[1:], value)
	return out
}
