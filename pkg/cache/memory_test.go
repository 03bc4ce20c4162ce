package cache_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/cache"
	"github.com/cartwheel-shop/cartwheel/pkg/cache/cachetest"
)

func TestMemoryContract(t *testing.T) {
	cachetest.RunContract(t, func(*testing.T) cache.Cache { return cache.NewMemory(1<<20, nil) })
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func TestMemoryStaysWithinBudgetEvictingLeastRecentlyUsed(t *testing.T) {
	const budget = 10 * 1024
	m := cache.NewMemory(budget, nil)
	ctx := t.Context()
	value := make([]byte, 900) // about 1 KiB per entry with key and bookkeeping
	for i := range 9 {
		if err := m.Set(ctx, fmt.Sprint("k", i), cache.Entry{Value: value}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Get(ctx, "k0"); err != nil { // k0 becomes the most recently used
		t.Fatalf("k0 gone before the budget was reached: %v", err)
	}
	for i := 9; i < 40; i++ {
		if err := m.Set(ctx, fmt.Sprint("k", i), cache.Entry{Value: value}, time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Get(ctx, "k0"); err != nil {
			t.Fatalf("after %d entries the most recently used one was evicted: %v", i+1, err)
		}
	}
	if n := m.Len(); n < 5 || n > 10 {
		t.Fatalf("Len = %d entries of ~1 KiB in a 10 KiB budget", n)
	}
	if _, err := m.Get(ctx, "k1"); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("the least recently used entry survived: %v", err)
	}
	if _, err := m.Get(ctx, "k39"); err != nil {
		t.Fatalf("the newest entry was evicted: %v", err)
	}
}

func TestMemoryRefusesAnEntryLargerThanTheBudget(t *testing.T) {
	m := cache.NewMemory(1024, nil)
	big := cache.Entry{Value: make([]byte, 2048)}
	if err := m.Set(t.Context(), "k", big, time.Minute); !errors.Is(err, cache.ErrTooLarge) {
		t.Fatalf("Set = %v, want ErrTooLarge", err)
	}
	if _, err := m.Add(t.Context(), "k", big, time.Minute); !errors.Is(err, cache.ErrTooLarge) {
		t.Fatalf("Add = %v, want ErrTooLarge", err)
	}
}

func TestMemoryExpiresByItsClock(t *testing.T) {
	c := newClock()
	m := cache.NewMemory(1<<20, c.now)
	ctx := t.Context()
	if err := m.Set(ctx, "k", cache.Entry{Value: []byte("v")}, time.Second); err != nil {
		t.Fatal(err)
	}
	c.advance(999 * time.Millisecond)
	if _, err := m.Get(ctx, "k"); err != nil {
		t.Fatalf("expired early: %v", err)
	}
	c.advance(time.Millisecond)
	if _, err := m.Get(ctx, "k"); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Get at the expiry instant = %v, want ErrMiss", err)
	}
	if m.Len() != 0 {
		t.Fatalf("an expired entry met by Get is still kept: Len = %d", m.Len())
	}
}
