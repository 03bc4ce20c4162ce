// Package cache keeps bytes by key for a while, in process (Memory) or in Redis, behind
// one Cache interface, and reads through it to a source of truth (ReadThrough) with one
// load per key at a time, jittered TTLs, short-lived not-found entries and
// invalidations that a slow load cannot undo.
package cache

import (
	"context"
	"errors"
	"fmt"
	"time"
)

var (
	// ErrMiss: the cache holds nothing usable at the key (never stored, expired,
	// deleted, evicted or held).
	ErrMiss = errors.New("cache: miss")
	// ErrNotFound is how a Loader says the source has nothing at the key, and how
	// ReadThrough.Get answers while that is cached.
	ErrNotFound = errors.New("cache: not found in the source")
	// ErrTooLarge: the entry exceeds what the cache can hold at all.
	ErrTooLarge = errors.New("cache: entry too large")
)

// MinTTL is the shortest lifetime an entry may be given: Redis counts in milliseconds,
// and a zero TTL would mean "forever" to it.
const MinTTL = time.Millisecond

// Entry is what a key holds: a value, or the marker that the source has none.
type Entry struct {
	Value []byte
	// NotFound marks a negative entry: the source was asked and had nothing.
	NotFound bool
}

// Cache keeps entries for a while. Every entry expires; a cache may also forget one
// earlier (memory pressure), so callers treat a miss as normal. A call with a done
// context fails with the context's error.
type Cache interface {
	// Get returns the entry at key, or fails with ErrMiss.
	Get(ctx context.Context, key string) (Entry, error)
	// Set stores e at key for ttl, replacing whatever the key holds, a hold included.
	Set(ctx context.Context, key string, e Entry, ttl time.Duration) error
	// Add stores e at key for ttl only if the key holds nothing, not even a hold, and
	// reports whether it did. Read-through fills use it, so a fill never replaces an
	// entry or an invalidation newer than what it loaded.
	Add(ctx context.Context, key string, e Entry, ttl time.Duration) (bool, error)
	// Hold replaces whatever the key holds with a hold for ttl: until it expires, Get
	// misses and Add refuses.
	Hold(ctx context.Context, key string, ttl time.Duration) error
	// Delete removes whatever the key holds; removing nothing is not an error.
	Delete(ctx context.Context, key string) error
}

func checkTTL(ttl time.Duration) error {
	if ttl < MinTTL {
		return fmt.Errorf("cache: ttl %s is below the minimum %s", ttl, MinTTL)
	}
	return nil
}
