// Package cachetest is the one contract suite for the cache port: every cache.Cache,
// in-process and Redis alike, must pass RunContract.
package cachetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/cache"
)

const (
	// shortTTL is short enough to wait out and long enough that a round trip to Redis on
	// a busy machine never outlasts it before the first read.
	shortTTL = 300 * time.Millisecond
	// longTTL outlives every test; keys still expire on their own afterwards, so a shared
	// Redis is left clean.
	longTTL = time.Minute
)

// RunContract runs the contract against caches made by newCache, one per subtest. The
// caches may share a store (one Redis server): every subtest uses keys of its own.
// Expiry is real time, since a Redis server cannot be given a fake clock.
func RunContract(t *testing.T, newCache func(t *testing.T) cache.Cache) {
	cases := []struct {
		name string
		run  func(t *testing.T, c cache.Cache, key func(string) string)
	}{
		{"get/absent_is_a_miss", testAbsent},
		{"set/round_trips_bytes", testRoundTrip},
		{"set/replaces", testReplace},
		{"set/not_found_marker", testNotFound},
		{"set/owns_its_copy", testCopies},
		{"ttl/expires", testExpiry},
		{"ttl/refuses_below_minimum", testBadTTL},
		{"delete/removes", testDelete},
		{"add/only_where_nothing_is", testAdd},
		{"add/after_expiry", testAddAfterExpiry},
		{"add/one_winner_under_concurrency", testAddRace},
		{"hold/misses_and_blocks_add_until_expiry", testHold},
		{"hold/replaces_an_entry_and_set_replaces_it", testHoldReplaces},
		{"context/done_fails", testDoneContext},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			prefix := "cachetest:" + randomHex(t) + ":"
			c.run(t, newCache(t), func(name string) string { return prefix + name })
		})
	}
}

func randomHex(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func mustSet(t *testing.T, c cache.Cache, key string, e cache.Entry, ttl time.Duration) {
	t.Helper()
	if err := c.Set(t.Context(), key, e, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustGet(t *testing.T, c cache.Cache, key string) cache.Entry {
	t.Helper()
	e, err := c.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return e
}

func wantMiss(t *testing.T, c cache.Cache, key string) {
	t.Helper()
	e, err := c.Get(t.Context(), key)
	if !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Get(%q) = %+v, %v; want ErrMiss", key, e, err)
	}
}

func wantValue(t *testing.T, c cache.Cache, key string, want []byte) {
	t.Helper()
	e := mustGet(t, c, key)
	if e.NotFound || !bytes.Equal(e.Value, want) {
		t.Fatalf("Get(%q) = %+v, want value %q", key, e, want)
	}
}

func add(t *testing.T, c cache.Cache, key string, e cache.Entry, ttl time.Duration) bool {
	t.Helper()
	ok, err := c.Add(t.Context(), key, e, ttl)
	if err != nil {
		t.Fatalf("Add(%q): %v", key, err)
	}
	return ok
}

func testAbsent(t *testing.T, c cache.Cache, key func(string) string) {
	wantMiss(t, c, key("never-set"))
}

func testRoundTrip(t *testing.T, c cache.Cache, key func(string) string) {
	binary := []byte{0, 'v', 'n', 'h', 0xff, '\n', 0}
	for name, v := range map[string][]byte{"text": []byte(`{"id":"p1"}`), "binary": binary, "empty": {}} {
		mustSet(t, c, key(name), cache.Entry{Value: v}, longTTL)
		wantValue(t, c, key(name), v)
	}
}

func testReplace(t *testing.T, c cache.Cache, key func(string) string) {
	mustSet(t, c, key("k"), cache.Entry{Value: []byte("old")}, longTTL)
	mustSet(t, c, key("k"), cache.Entry{Value: []byte("new")}, longTTL)
	wantValue(t, c, key("k"), []byte("new"))
	mustSet(t, c, key("k"), cache.Entry{NotFound: true}, longTTL)
	if e := mustGet(t, c, key("k")); !e.NotFound {
		t.Fatalf("a not-found marker did not replace the value: %+v", e)
	}
}

func testNotFound(t *testing.T, c cache.Cache, key func(string) string) {
	mustSet(t, c, key("gone"), cache.Entry{NotFound: true}, longTTL)
	e := mustGet(t, c, key("gone"))
	if !e.NotFound || len(e.Value) != 0 {
		t.Fatalf("Get = %+v, want the not-found marker", e)
	}
	mustSet(t, c, key("empty"), cache.Entry{Value: []byte{}}, longTTL)
	if e := mustGet(t, c, key("empty")); e.NotFound {
		t.Fatal("an empty value reads back as the not-found marker")
	}
}

func testCopies(t *testing.T, c cache.Cache, key func(string) string) {
	v := []byte("original")
	mustSet(t, c, key("k"), cache.Entry{Value: v}, longTTL)
	copy(v, "CHANGED!")
	got := mustGet(t, c, key("k"))
	wantValue(t, c, key("k"), []byte("original"))
	copy(got.Value, "CHANGED!")
	wantValue(t, c, key("k"), []byte("original"))
}

func testExpiry(t *testing.T, c cache.Cache, key func(string) string) {
	mustSet(t, c, key("value"), cache.Entry{Value: []byte("v")}, shortTTL)
	mustSet(t, c, key("marker"), cache.Entry{NotFound: true}, shortTTL)
	mustSet(t, c, key("long"), cache.Entry{Value: []byte("l")}, longTTL)
	wantValue(t, c, key("value"), []byte("v"))
	time.Sleep(shortTTL + 200*time.Millisecond)
	wantMiss(t, c, key("value"))
	wantMiss(t, c, key("marker"))
	wantValue(t, c, key("long"), []byte("l"))
}

func testBadTTL(t *testing.T, c cache.Cache, key func(string) string) {
	ctx := t.Context()
	for _, ttl := range []time.Duration{0, -time.Second, cache.MinTTL - 1} {
		if err := c.Set(ctx, key("k"), cache.Entry{Value: []byte("v")}, ttl); err == nil {
			t.Errorf("Set with ttl %s succeeded; a zero ttl would never expire in Redis", ttl)
		}
		if _, err := c.Add(ctx, key("k"), cache.Entry{Value: []byte("v")}, ttl); err == nil {
			t.Errorf("Add with ttl %s succeeded", ttl)
		}
		if err := c.Hold(ctx, key("k"), ttl); err == nil {
			t.Errorf("Hold with ttl %s succeeded", ttl)
		}
	}
	wantMiss(t, c, key("k"))
}

func testDelete(t *testing.T, c cache.Cache, key func(string) string) {
	mustSet(t, c, key("k"), cache.Entry{Value: []byte("v")}, longTTL)
	mustSet(t, c, key("other"), cache.Entry{Value: []byte("o")}, longTTL)
	if err := c.Delete(t.Context(), key("k")); err != nil {
		t.Fatal(err)
	}
	wantMiss(t, c, key("k"))
	wantValue(t, c, key("other"), []byte("o"))
	if err := c.Delete(t.Context(), key("never-set")); err != nil {
		t.Fatalf("deleting an absent key: %v", err)
	}
	if err := c.Hold(t.Context(), key("held"), longTTL); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(t.Context(), key("held")); err != nil {
		t.Fatal(err)
	}
	if !add(t, c, key("held"), cache.Entry{Value: []byte("v")}, longTTL) {
		t.Fatal("Delete left the hold in place")
	}
}

func testAdd(t *testing.T, c cache.Cache, key func(string) string) {
	if !add(t, c, key("k"), cache.Entry{Value: []byte("first")}, longTTL) {
		t.Fatal("Add to an empty key refused")
	}
	if add(t, c, key("k"), cache.Entry{Value: []byte("second")}, longTTL) {
		t.Fatal("Add replaced a value")
	}
	wantValue(t, c, key("k"), []byte("first"))
	mustSet(t, c, key("neg"), cache.Entry{NotFound: true}, longTTL)
	if add(t, c, key("neg"), cache.Entry{Value: []byte("v")}, longTTL) {
		t.Fatal("Add replaced a not-found marker")
	}
	if !add(t, c, key("negadd"), cache.Entry{NotFound: true}, longTTL) || !mustGet(t, c, key("negadd")).NotFound {
		t.Fatal("Add of a not-found marker to an empty key did not store it")
	}
}

func testAddAfterExpiry(t *testing.T, c cache.Cache, key func(string) string) {
	mustSet(t, c, key("k"), cache.Entry{Value: []byte("old")}, shortTTL)
	time.Sleep(shortTTL + 200*time.Millisecond)
	if !add(t, c, key("k"), cache.Entry{Value: []byte("new")}, longTTL) {
		t.Fatal("Add refused where the entry had expired")
	}
	wantValue(t, c, key("k"), []byte("new"))
}

func testAddRace(t *testing.T, c cache.Cache, key func(string) string) {
	const n = 16
	var wg sync.WaitGroup
	wins := make(chan int, n)
	for i := range n {
		wg.Go(func() {
			ok, err := c.Add(t.Context(), key("k"), cache.Entry{Value: []byte{byte(i)}}, longTTL)
			if err != nil {
				t.Errorf("Add: %v", err)
			}
			if ok {
				wins <- i
			}
		})
	}
	wg.Wait()
	close(wins)
	var winners []int
	for i := range wins {
		winners = append(winners, i)
	}
	if len(winners) != 1 {
		t.Fatalf("%d concurrent Adds succeeded (%v), want exactly one", len(winners), winners)
	}
	wantValue(t, c, key("k"), []byte{byte(winners[0])})
}

func testHold(t *testing.T, c cache.Cache, key func(string) string) {
	if err := c.Hold(t.Context(), key("k"), shortTTL); err != nil {
		t.Fatal(err)
	}
	wantMiss(t, c, key("k"))
	if add(t, c, key("k"), cache.Entry{Value: []byte("stale")}, longTTL) {
		t.Fatal("Add filled a held key")
	}
	if add(t, c, key("k"), cache.Entry{NotFound: true}, longTTL) {
		t.Fatal("Add put a not-found marker in a held key")
	}
	time.Sleep(shortTTL + 200*time.Millisecond)
	if !add(t, c, key("k"), cache.Entry{Value: []byte("fresh")}, longTTL) {
		t.Fatal("Add refused after the hold expired")
	}
	wantValue(t, c, key("k"), []byte("fresh"))
}

func testHoldReplaces(t *testing.T, c cache.Cache, key func(string) string) {
	mustSet(t, c, key("k"), cache.Entry{Value: []byte("old")}, longTTL)
	if err := c.Hold(t.Context(), key("k"), longTTL); err != nil {
		t.Fatal(err)
	}
	wantMiss(t, c, key("k"))
	mustSet(t, c, key("k"), cache.Entry{Value: []byte("set")}, longTTL)
	wantValue(t, c, key("k"), []byte("set"))
}

func testDoneContext(t *testing.T, c cache.Cache, key func(string) string) {
	mustSet(t, c, key("k"), cache.Entry{Value: []byte("v")}, longTTL)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Get(ctx, key("k")); !errors.Is(err, context.Canceled) {
		t.Errorf("Get on a done context: %v, want context.Canceled", err)
	}
	if err := c.Set(ctx, key("k"), cache.Entry{Value: []byte("x")}, longTTL); !errors.Is(err, context.Canceled) {
		t.Errorf("Set on a done context: %v, want context.Canceled", err)
	}
	if _, err := c.Add(ctx, key("new"), cache.Entry{Value: []byte("x")}, longTTL); !errors.Is(err, context.Canceled) {
		t.Errorf("Add on a done context: %v, want context.Canceled", err)
	}
	if err := c.Hold(ctx, key("k"), longTTL); !errors.Is(err, context.Canceled) {
		t.Errorf("Hold on a done context: %v, want context.Canceled", err)
	}
	if err := c.Delete(ctx, key("k")); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete on a done context: %v, want context.Canceled", err)
	}
	wantValue(t, c, key("k"), []byte("v"))
}
