package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Loader reads the value for a key from the source of truth. It fails with ErrNotFound
// (or an error wrapping it) when the source has nothing there; that answer is cached
// for the negative TTL. Other errors are returned and never cached.
type Loader[T any] func(ctx context.Context) (T, error)

// Options tune a ReadThrough.
type Options struct {
	// TTL is how long a loaded value is kept, before jitter.
	TTL time.Duration
	// NegativeTTL is how long a not-found answer is kept, before jitter: short, so a
	// flood of lookups of ids that do not exist reaches the source once per key and
	// period, yet a key that comes into existence is seen soon.
	NegativeTTL time.Duration
	// Jitter spreads every TTL uniformly over ±Jitter of it (0.1: 90% to 110%), so
	// entries filled together do not all expire, and reload, together. 0 to 0.5.
	Jitter float64
	// Hold is how long Invalidate keeps fills out of a key (default 5s). A load is only
	// filled if it finished within Hold/2 of starting, so a load that began before the
	// change it missed cannot put its older answer back after the hold.
	Hold time.Duration
	// ErrorBackoff is how long reads skip the cache after it failed (default 1s): one log
	// line per period instead of one per request, and no timeout paid per request while
	// Redis is away. Invalidations are always attempted.
	ErrorBackoff time.Duration
	// Logger reports a failing cache (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Looked, when set, hears every read: hit when the cache answered (a value or a
	// cached not-found), miss when the loader had to (absent, undecodable, or the cache
	// failing or skipped).
	Looked func(hit bool)
}

const (
	defaultHold         = 5 * time.Second
	defaultErrorBackoff = time.Second
	maxJitter           = 0.5
)

// ReadThrough answers reads from the cache and, on a miss, from a Loader: one load per
// key at a time in this process, its answer (a value or not-found) then cached. Values
// cross the cache as JSON, and every caller decodes its own copy, so callers may change
// what they get. A failing cache degrades to the loader; the shop keeps selling without
// Redis, only slower.
type ReadThrough[T any] struct {
	cache Cache
	opts  Options
	group singleflight.Group
	// bypassUntil is when reads may use the cache again after a failure (UnixNano).
	bypassUntil atomic.Int64
}

// NewReadThrough reads through c with opts, which it validates.
func NewReadThrough[T any](c Cache, opts Options) (*ReadThrough[T], error) {
	if opts.Hold == 0 {
		opts.Hold = defaultHold
	}
	if opts.ErrorBackoff == 0 {
		opts.ErrorBackoff = defaultErrorBackoff
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var problems []error
	if c == nil {
		problems = append(problems, errors.New("cache: ReadThrough needs a Cache"))
	}
	if opts.TTL < MinTTL || opts.NegativeTTL < MinTTL {
		problems = append(problems, fmt.Errorf("cache: TTL %s and NegativeTTL %s must be at least %s", opts.TTL, opts.NegativeTTL, MinTTL))
	}
	if opts.Jitter < 0 || opts.Jitter > maxJitter {
		problems = append(problems, fmt.Errorf("cache: Jitter %v must be between 0 and %v", opts.Jitter, maxJitter))
	}
	if opts.Hold < 2*MinTTL || opts.ErrorBackoff < 0 {
		problems = append(problems, fmt.Errorf("cache: Hold %s must be at least %s and ErrorBackoff %s not negative", opts.Hold, 2*MinTTL, opts.ErrorBackoff))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	return &ReadThrough[T]{cache: c, opts: opts}, nil
}

// Get returns the value at key from the cache, or loads it. It fails with ErrNotFound
// while the source has nothing at key (cached for the negative TTL), with the loader's
// error, or with ctx's error.
func (r *ReadThrough[T]) Get(ctx context.Context, key string, load Loader[T]) (T, error) {
	if r.usable() {
		e, err := r.cache.Get(ctx, key)
		switch {
		case err == nil && e.NotFound:
			r.looked(true)
			var zero T
			return zero, ErrNotFound
		case err == nil:
			v, err := decode[T](e.Value)
			if err == nil {
				r.looked(true)
				return v, nil
			}
			r.discard(ctx, key, err)
		case ctx.Err() != nil:
			var zero T
			return zero, ctx.Err()
		case !errors.Is(err, ErrMiss):
			r.degraded(ctx, "get", key, err)
		}
	}
	r.looked(false)
	return r.load(ctx, key, load)
}

func (r *ReadThrough[T]) looked(hit bool) {
	if r.opts.Looked != nil {
		r.opts.Looked(hit)
	}
}

// Invalidate makes the next read of key load again, here and in every process sharing
// the cache. Call it after the change to the source has committed: it holds the key
// for Hold, so a load that read the source before the change cannot fill it back. A
// failed invalidation leaves the old entry until its TTL; the error says so.
func (r *ReadThrough[T]) Invalidate(ctx context.Context, key string) error {
	// Reads from now on must not join a load that started before the change.
	r.group.Forget(key)
	if err := r.cache.Hold(ctx, key, r.opts.Hold); err != nil {
		return fmt.Errorf("cache: invalidate %q (the old entry may be served until its TTL): %w", key, err)
	}
	return nil
}

// discard drops an entry that does not decode (written in another shape, say by an
// older release) so the load can fill it anew; the read itself does not fail.
func (r *ReadThrough[T]) discard(ctx context.Context, key string, decodeErr error) {
	r.opts.Logger.WarnContext(ctx, "cache entry does not decode, loading it again", "key", key, "err", decodeErr)
	if err := r.cache.Delete(ctx, key); err != nil {
		r.degraded(ctx, "delete", key, err)
	}
}

// result is what one load produced: a JSON value or a not-found.
type result struct {
	value    []byte
	notFound bool
}

// load runs one load per key at a time; every caller waits for it (or for its own
// context) and decodes its own copy. The load runs detached from the first caller's
// cancellation, since others share it, but within Hold.
func (r *ReadThrough[T]) load(ctx context.Context, key string, load Loader[T]) (T, error) {
	var zero T
	ch := r.group.DoChan(key, func() (any, error) {
		return r.loadAndFill(context.WithoutCancel(ctx), key, load)
	})
	select {
	case <-ctx.Done():
		return zero, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return zero, res.Err
		}
		out := res.Val.(result)
		if out.notFound {
			return zero, ErrNotFound
		}
		return decode[T](out.value)
	}
}

func (r *ReadThrough[T]) loadAndFill(ctx context.Context, key string, load Loader[T]) (result, error) {
	start := r.opts.Now()
	loadCtx, cancel := context.WithTimeout(ctx, r.opts.Hold)
	v, err := load(loadCtx)
	cancel()
	var out result
	var e Entry
	ttl := r.jittered(r.opts.TTL)
	switch {
	case errors.Is(err, ErrNotFound):
		out, e, ttl = result{notFound: true}, Entry{NotFound: true}, r.jittered(r.opts.NegativeTTL)
	case err != nil:
		return result{}, err
	default:
		data, err := json.Marshal(v)
		if err != nil {
			return result{}, fmt.Errorf("cache: encode %q: %w", key, err)
		}
		out, e = result{value: data}, Entry{Value: data}
	}
	// Past Hold/2 an invalidation made after the load began may have expired by the
	// time the fill lands; such an answer is served but not kept.
	if r.opts.Now().Sub(start) < r.opts.Hold/2 && r.usable() {
		fillCtx, cancel := context.WithTimeout(ctx, r.opts.Hold/2)
		if _, err := r.cache.Add(fillCtx, key, e, ttl); err != nil {
			r.degraded(ctx, "fill", key, err)
		}
		cancel()
	}
	return out, nil
}

// jittered spreads ttl uniformly over ±Jitter, never below MinTTL.
func (r *ReadThrough[T]) jittered(ttl time.Duration) time.Duration {
	spread := r.opts.Jitter * (2*rand.Float64() - 1)
	return max(time.Duration(float64(ttl)*(1+spread)), MinTTL)
}

func (r *ReadThrough[T]) usable() bool {
	return r.opts.Now().UnixNano() >= r.bypassUntil.Load()
}

// degraded logs a cache failure and sends reads to the loader for ErrorBackoff; of
// concurrent failures only the one that starts the period logs.
func (r *ReadThrough[T]) degraded(ctx context.Context, op, key string, err error) {
	until := r.opts.Now().Add(r.opts.ErrorBackoff).UnixNano()
	prev := r.bypassUntil.Load()
	if prev > r.opts.Now().UnixNano() || !r.bypassUntil.CompareAndSwap(prev, until) {
		return
	}
	r.opts.Logger.WarnContext(ctx, "cache failing, reading from the source",
		"op", op, "key", key, "err", err, "for", r.opts.ErrorBackoff.String())
}

func decode[T any](data []byte) (T, error) {
	var v T
	// A raw JSON value (the gateway's product answers) needs no decoding: checking and
	// copying it gives what json.Unmarshal would, at a fraction of the work.
	if raw, ok := any(&v).(*json.RawMessage); ok {
		if !json.Valid(data) {
			return v, errors.New("cache: decode: not JSON")
		}
		*raw = bytes.Clone(data)
		return v, nil
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("cache: decode: %w", err)
	}
	return v, nil
}
