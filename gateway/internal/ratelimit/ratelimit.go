// Package ratelimit decides whether a caller may make one more request now. The
// in-process Memory limiter serves a single gateway; the Redis limiter shares one
// budget per key among a fleet of gateways, behind the same Limiter interface, and
// Leased spends such a shared budget in batches rather than a round trip per request.
package ratelimit

import (
	"container/list"
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter admits or refuses one request for a key (a client IP, a user id).
type Limiter interface {
	// Allow consumes one token for key if one is available. The error is for limiters
	// backed by a remote store; callers decide whether to fail open.
	Allow(ctx context.Context, key string) (Decision, error)
}

// Decision is the verdict for one request.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until a refused request would be admitted.
	RetryAfter time.Duration
}

// Memory is a token bucket per key, kept in least-recently-used order so memory stays
// bounded: idle keys are dropped, and at capacity the least recently seen key goes.
type Memory struct {
	limit   rate.Limit
	burst   int
	idle    time.Duration
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	entries map[string]*list.Element
	lru     *list.List // front = most recently seen
}

type bucket struct {
	key     string
	limiter *rate.Limiter
	seen    time.Time
}

// NewMemory admits perSecond requests per key on average with bursts of burst, and
// remembers at most maxKeys keys. now is the clock (nil means time.Now).
func NewMemory(perSecond float64, burst, maxKeys int, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{
		limit:   rate.Limit(perSecond),
		burst:   burst,
		idle:    refillTime(perSecond, burst),
		maxKeys: maxKeys,
		now:     now,
		entries: map[string]*list.Element{},
		lru:     list.New(),
	}
}

// refillTime is how long an untouched bucket takes to become full again. Forgetting a
// key idle for that long loses nothing: a new bucket starts full too.
func refillTime(perSecond float64, burst int) time.Duration {
	seconds := math.Ceil(float64(burst) / perSecond)
	return max(time.Duration(seconds)*time.Second, time.Second)
}

// Allow never fails; it has the error result to satisfy Limiter.
func (m *Memory) Allow(ctx context.Context, key string) (Decision, error) {
	return decide(m.Take(ctx, key, 1))
}

// Take consumes up to n of key's tokens, as many as there are; it never fails.
func (m *Memory) Take(_ context.Context, key string, n int) (int, time.Duration, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evictIdle(now)
	b := m.bucket(key, now)
	granted := min(n, int(b.limiter.TokensAt(now)))
	if granted < 1 {
		r := b.limiter.ReserveN(now, 1)
		delay := r.DelayFrom(now)
		r.CancelAt(now) // a refused request must not use up a future token
		return 0, delay, nil
	}
	b.limiter.ReserveN(now, granted)
	return granted, 0, nil
}

// Len is the number of keys remembered.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Len()
}

func (m *Memory) bucket(key string, now time.Time) *bucket {
	if el, ok := m.entries[key]; ok {
		m.lru.MoveToFront(el)
		b := el.Value.(*bucket)
		b.seen = now
		return b
	}
	if m.lru.Len() >= m.maxKeys {
		m.remove(m.lru.Back())
	}
	b := &bucket{key: key, limiter: rate.NewLimiter(m.limit, m.burst), seen: now}
	m.entries[key] = m.lru.PushFront(b)
	return b
}

// evictIdle drops keys from the cold end while they have been idle long enough to be
// full again, so each call does work proportional to what it frees.
func (m *Memory) evictIdle(now time.Time) {
	for el := m.lru.Back(); el != nil; el = m.lru.Back() {
		if now.Sub(el.Value.(*bucket).seen) < m.idle {
			return
		}
		m.remove(el)
	}
}

func (m *Memory) remove(el *list.Element) {
	delete(m.entries, el.Value.(*bucket).key)
	m.lru.Remove(el)
}
