package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func allow(t *testing.T, l Limiter, key string) Decision {
	t.Helper()
	d, err := l.Allow(t.Context(), key)
	if err != nil {
		t.Fatalf("%T.Allow failed: %v", l, err)
	}
	return d
}

func TestMemoryBurstThenRefuseWithRetryAfter(t *testing.T) {
	c := newClock()
	m := NewMemory(2, 3, 100, c.now) // 2/s, burst 3
	for i := range 3 {
		if d := allow(t, m, "a"); !d.Allowed {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	d := allow(t, m, "a")
	if d.Allowed {
		t.Fatal("request past the burst admitted")
	}
	if d.RetryAfter != 500*time.Millisecond {
		t.Fatalf("RetryAfter = %v, want one token's time at 2/s", d.RetryAfter)
	}
	// A refused request must not push the next token further away.
	if again := allow(t, m, "a"); again.RetryAfter != 500*time.Millisecond {
		t.Fatalf("second refusal RetryAfter = %v, want unchanged 500ms", again.RetryAfter)
	}
	c.advance(500 * time.Millisecond)
	if !allow(t, m, "a").Allowed {
		t.Fatal("request after RetryAfter refused")
	}
}

func TestMemoryKeysAreIndependent(t *testing.T) {
	c := newClock()
	m := NewMemory(1, 1, 100, c.now)
	if !allow(t, m, "a").Allowed || allow(t, m, "a").Allowed {
		t.Fatal("key a: want one admitted then one refused")
	}
	if !allow(t, m, "b").Allowed {
		t.Fatal("key b refused because of key a")
	}
}

func TestMemoryForgetsIdleKeysLosslessly(t *testing.T) {
	c := newClock()
	m := NewMemory(1, 5, 100, c.now) // a bucket refills fully in 5s
	for i := range 10 {
		allow(t, m, fmt.Sprint("k", i))
	}
	if m.Len() != 10 {
		t.Fatalf("Len = %d, want 10", m.Len())
	}
	c.advance(4 * time.Second)
	allow(t, m, "fresh")
	if m.Len() != 11 {
		t.Fatalf("keys idle less than the refill time were dropped: Len = %d", m.Len())
	}
	c.advance(time.Second)
	allow(t, m, "fresh")
	if m.Len() != 1 {
		t.Fatalf("idle keys kept: Len = %d, want only the fresh key", m.Len())
	}
	// A forgotten key starts with a full burst, exactly what it would have had.
	for i := range 5 {
		if !allow(t, m, "k0").Allowed {
			t.Fatalf("forgotten key refused at request %d of its burst", i+1)
		}
	}
}

func TestMemoryCapacityEvictsLeastRecentlySeen(t *testing.T) {
	c := newClock()
	m := NewMemory(1, 1, 3, c.now)
	allow(t, m, "a") // a's only token is spent
	allow(t, m, "b")
	allow(t, m, "c")
	allow(t, m, "b") // touch b and a so c is the least recent
	allow(t, m, "a")
	allow(t, m, "d") // over capacity: c goes
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want capacity 3", m.Len())
	}
	if allow(t, m, "a").Allowed {
		t.Fatal("a was evicted, but c was the least recently seen")
	}
}
