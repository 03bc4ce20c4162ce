package ratelimit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// counted is a store that counts its round trips.
type counted struct {
	Taker
	calls atomic.Int64
}

func (c *counted) Take(ctx context.Context, key string, n int) (int, time.Duration, error) {
	c.calls.Add(1)
	return c.Taker.Take(ctx, key, n)
}

// noRefill is a budget that does not come back within a test: only the burst.
const noRefill = 1e-9

func TestLeasedNeverAdmitsMoreThanTheStoreGrants(t *testing.T) {
	const burst = 1000
	c := newClock() // stopped: no lease expires, so every token taken can be spent
	store := NewMemory(noRefill, burst, 100, c.now)
	replicas := []*Leased{NewLeased(store, burst, 100, c.now), NewLeased(store, burst, 100, c.now)}
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			l := replicas[g%2]
			for range 200 {
				d, err := l.Allow(context.Background(), "ip:a")
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	// 3,200 requests against 1,000 tokens: every token was taken into a lease and, the
	// clock standing still, spent.
	if got := admitted.Load(); got != burst {
		t.Fatalf("two replicas admitted %d requests from a budget of %d", got, burst)
	}
}

func TestLeasedTakesOneRoundTripPerLease(t *testing.T) {
	c := newClock()
	store := &counted{Taker: NewMemory(noRefill, 1_000_000, 100, c.now)}
	l := NewLeased(store, 1_000_000, 100, c.now)
	const requests = 10_000
	for range requests {
		if !allow(t, l, "ip:busy").Allowed {
			t.Fatal("a request within the budget was refused")
		}
	}
	// Leases of 1, 2, 4 ... 1024 (11 round trips, 2,047 tokens), then 1,024 at a time.
	if calls := store.calls.Load(); calls > 11+(requests-2047)/maxLeaseTokens+1 {
		t.Fatalf("%d requests of one key cost %d round trips to the store", requests, calls)
	}
	// An idle key costs one round trip per request, as without leases.
	before := store.calls.Load()
	allow(t, l, "ip:quiet")
	if store.calls.Load() != before+1 {
		t.Fatal("a key's first request did not ask the store")
	}
}

func TestLeasedLeaseIsCappedByTheBurst(t *testing.T) {
	c := newClock()
	store := &counted{Taker: NewMemory(noRefill, 160, 100, c.now)}
	l := NewLeased(store, 160, 100, c.now) // a lease holds at most 160/16 = 10 tokens
	for i := range 160 {
		if !allow(t, l, "ip:a").Allowed {
			t.Fatalf("request %d of a burst of 160 refused", i+1)
		}
	}
	if got := l.leases["ip:a"].size; got != 10 {
		t.Fatalf("lease size %d, want the cap of 10 (1/16 of the burst)", got)
	}
	if d := allow(t, l, "ip:a"); d.Allowed {
		t.Fatal("admitted past the burst")
	}
}

func TestLeasedUnspentLeaseExpiresAndShrinks(t *testing.T) {
	c := newClock()
	store := &counted{Taker: NewMemory(noRefill, 160, 100, c.now)}
	l := NewLeased(store, 160, 100, c.now)
	for range 4 { // leases of 1, 2, 4 (7 tokens taken): the last with one spent
		allow(t, l, "ip:a")
	}
	e := l.leases["ip:a"]
	if e.size != 4 || e.left != 3 {
		t.Fatalf("lease size %d with %d left, want 4 with 3", e.size, e.left)
	}
	c.advance(leaseTTL)
	calls := store.calls.Load()
	allow(t, l, "ip:a")
	if store.calls.Load() != calls+1 {
		t.Fatal("an expired lease was still spent")
	}
	if e.size != 2 {
		t.Fatalf("lease size %d after one expired unspent, want it halved to 2", e.size)
	}
	// Of the budget of 160, the 3 tokens of the expired lease are lost, and only they.
	admitted := 5
	for allow(t, l, "ip:a").Allowed {
		admitted++
	}
	if admitted != 160-3 {
		t.Fatalf("admitted %d in all, want %d: the expired lease's 3 tokens lost, no others", admitted, 160-3)
	}
}

func TestLeasedRemembersARefusalUntilRetryAfter(t *testing.T) {
	c := newClock()
	store := &counted{Taker: NewMemory(1, 1, 100, c.now)} // 1/s, burst 1
	l := NewLeased(store, 1, 100, c.now)
	if !allow(t, l, "ip:a").Allowed {
		t.Fatal("first request refused")
	}
	if d := allow(t, l, "ip:a"); d.Allowed || d.RetryAfter != time.Second {
		t.Fatalf("second request: %+v, want refused for 1s", d)
	}
	calls := store.calls.Load()
	c.advance(400 * time.Millisecond)
	if d := allow(t, l, "ip:a"); d.Allowed || d.RetryAfter != 600*time.Millisecond {
		t.Fatalf("400ms later: %+v, want refused for 600ms more", d)
	}
	if store.calls.Load() != calls {
		t.Fatal("a remembered refusal asked the store")
	}
	c.advance(600 * time.Millisecond)
	if !allow(t, l, "ip:a").Allowed {
		t.Fatal("refused after RetryAfter")
	}
}

type failing struct{ calls atomic.Int64 }

func (f *failing) Take(context.Context, string, int) (int, time.Duration, error) {
	f.calls.Add(1)
	return 0, 0, errors.New("store away")
}

func TestLeasedPassesStoreErrorsOn(t *testing.T) {
	store := &failing{}
	l := NewLeased(store, 1000, 100, nil)
	for i := range 3 {
		if _, err := l.Allow(t.Context(), "ip:a"); err == nil {
			t.Fatalf("request %d: no error from a failing store", i+1)
		}
	}
	if store.calls.Load() != 3 {
		t.Fatalf("%d round trips for 3 requests: a failure must not be remembered as a lease or refusal", store.calls.Load())
	}
}

func TestLeasedRenewingKeyDoesNotStallOthers(t *testing.T) {
	c := newClock()
	block := make(chan struct{})
	store := &gated{Taker: NewMemory(noRefill, 1000, 100, c.now), gate: block}
	l := NewLeased(store, 1000, 100, c.now)
	close(block)
	allow(t, l, "ip:a") // a lease of 1, spent
	store.gate = make(chan struct{})
	done := make(chan Decision)
	go func() {
		d, _ := l.Allow(context.Background(), "ip:a") // renews, held at the store
		done <- d
	}()
	store.waitHeld(t)
	// Meanwhile the key's other requests ask for a token each, and get it.
	store.pass = true
	if !allow(t, l, "ip:a").Allowed {
		t.Fatal("a request beside a renewal was refused")
	}
	close(store.gate)
	if !(<-done).Allowed {
		t.Fatal("the renewing request was refused")
	}
	if e := l.leases["ip:a"]; e.taking || e.left != 1 {
		t.Fatalf("after the renewal: taking %v, left %d; want false, 1 (a lease of 2)", e.taking, e.left)
	}
}

// gated holds Take calls until gate closes, unless pass is set.
type gated struct {
	Taker
	gate chan struct{}
	pass bool
	held atomic.Int64
}

func (g *gated) Take(ctx context.Context, key string, n int) (int, time.Duration, error) {
	if !g.pass {
		g.held.Add(1)
		<-g.gate
	}
	return g.Taker.Take(ctx, key, n)
}

func (g *gated) waitHeld(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for g.held.Load() < 2 { // the first call passed the open gate; the second is held
		if time.Now().After(deadline) {
			t.Fatal("the renewal never reached the store")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLeasedBoundsItsKeys(t *testing.T) {
	c := newClock()
	l := NewLeased(NewMemory(noRefill, 1000, 100, c.now), 1000, 2, c.now)
	for _, k := range []string{"a", "b", "c"} {
		if !allow(t, l, k).Allowed {
			t.Fatalf("key %s refused", k)
		}
	}
	if len(l.leases) != 2 {
		t.Fatalf("%d leases kept, want the bound of 2", len(l.leases))
	}
	c.advance(leaseTTL) // a and b expire: the next new key sweeps them out
	allow(t, l, "d")
	if _, ok := l.leases["d"]; !ok || len(l.leases) != 1 {
		t.Fatalf("after expiry: %d leases, d kept %v; want only d", len(l.leases), ok)
	}
}
