package ratelimit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit"
)

// flaky is a Limiter whose store can be taken down; it refuses every other request
// while up, so a passed-through verdict is visible.
type flaky struct {
	down  atomic.Bool
	calls atomic.Int64
}

func (f *flaky) Allow(context.Context, string) (ratelimit.Decision, error) {
	n := f.calls.Add(1)
	if f.down.Load() {
		return ratelimit.Decision{}, errors.New("redis: connection refused")
	}
	return ratelimit.Decision{Allowed: n%2 == 1, RetryAfter: time.Second}, nil
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestFailOpenAdmitsWithoutAskingADownStoreOnEveryRequest(t *testing.T) {
	ctx := context.Background()
	store := &flaky{}
	clk := &testClock{now: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	var logs bytes.Buffer
	l := ratelimit.NewFailOpen(store, 5*time.Second, slog.New(slog.NewTextHandler(&logs, nil)), clk.Now)

	// Up: the store's verdicts pass through, refusals included.
	if d, _ := l.Allow(ctx, "k"); !d.Allowed {
		t.Fatal("first request refused")
	}
	if d, _ := l.Allow(ctx, "k"); d.Allowed || d.RetryAfter != time.Second {
		t.Fatalf("the store's refusal did not pass through: %+v", d)
	}

	// Down: the failing request and every one within the backoff are admitted, and
	// only the first asks the store.
	store.down.Store(true)
	before := store.calls.Load()
	for i := range 100 {
		d, err := l.Allow(ctx, "k")
		if err != nil || !d.Allowed {
			t.Fatalf("request %d during the outage: %+v, %v", i, d, err)
		}
	}
	if asked := store.calls.Load() - before; asked != 1 {
		t.Fatalf("the down store was asked %d times within the backoff, want 1", asked)
	}

	// Past the backoff one request probes; still down, so the wait starts again.
	clk.Advance(5 * time.Second)
	for range 10 {
		l.Allow(ctx, "k")
	}
	if asked := store.calls.Load() - before; asked != 2 {
		t.Fatalf("after one backoff the store was asked %d times in all, want 2", asked)
	}

	// Back up: the next probe gets a real verdict, and so does everything after it.
	store.down.Store(false)
	clk.Advance(5 * time.Second)
	l.Allow(ctx, "k")
	l.Allow(ctx, "k")
	if asked := store.calls.Load() - before; asked != 4 {
		t.Fatalf("after recovery the store was asked %d times in all, want 4", asked)
	}

	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 {
		t.Errorf("%d warnings for one outage, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "rate limiter answers again") || !strings.Contains(out, "unchecked_requests=110") ||
		!strings.Contains(out, "outage=10s") {
		t.Errorf("the recovery is not logged with the unchecked count and the outage's length:\n%s", out)
	}
}

func TestFailOpenLetsOneConcurrentRequestProbe(t *testing.T) {
	ctx := context.Background()
	store := &flaky{}
	store.down.Store(true)
	clk := &testClock{now: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	l := ratelimit.NewFailOpen(store, time.Second, slog.New(slog.DiscardHandler), clk.Now)
	l.Allow(ctx, "k") // the outage begins
	clk.Advance(time.Second)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { l.Allow(ctx, "k") })
	}
	wg.Wait()
	if asked := store.calls.Load(); asked != 2 {
		t.Fatalf("the store was asked %d times, want 2: the first failure and one probe", asked)
	}
}
