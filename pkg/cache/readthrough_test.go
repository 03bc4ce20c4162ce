package cache_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/cache"
)

type product struct {
	ID    string
	Name  string
	Attrs map[string]string
}

// counter is a loader that counts its calls and answers what answer says.
type counter struct {
	calls  atomic.Int32
	answer func(ctx context.Context, call int32) (product, error)
}

func (c *counter) load(ctx context.Context) (product, error) {
	return c.answer(ctx, c.calls.Add(1))
}

func found(name string) func(context.Context, int32) (product, error) {
	return func(context.Context, int32) (product, error) { return product{ID: "p1", Name: name}, nil }
}

// recorder wraps a cache, counting reads and remembering the TTL of every fill.
type recorder struct {
	cache.Cache
	mu   sync.Mutex
	gets int
	ttls []time.Duration
}

func (r *recorder) Get(ctx context.Context, key string) (cache.Entry, error) {
	r.mu.Lock()
	r.gets++
	r.mu.Unlock()
	return r.Cache.Get(ctx, key)
}

func (r *recorder) Add(ctx context.Context, key string, e cache.Entry, ttl time.Duration) (bool, error) {
	r.mu.Lock()
	r.ttls = append(r.ttls, ttl)
	r.mu.Unlock()
	return r.Cache.Add(ctx, key, e, ttl)
}

func (r *recorder) getCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gets
}

// broken is a cache whose every call fails, like Redis when it is down.
type broken struct{ calls atomic.Int32 }

var errDown = errors.New("dial tcp 127.0.0.1:16379: connection refused")

func (b *broken) Get(context.Context, string) (cache.Entry, error) {
	b.calls.Add(1)
	return cache.Entry{}, errDown
}
func (b *broken) Set(context.Context, string, cache.Entry, time.Duration) error {
	b.calls.Add(1)
	return errDown
}
func (b *broken) Add(context.Context, string, cache.Entry, time.Duration) (bool, error) {
	b.calls.Add(1)
	return false, errDown
}
func (b *broken) Hold(context.Context, string, time.Duration) error {
	b.calls.Add(1)
	return errDown
}
func (b *broken) Delete(context.Context, string) error {
	b.calls.Add(1)
	return errDown
}

func newReadThrough(t *testing.T, c cache.Cache, opts cache.Options) *cache.ReadThrough[product] {
	t.Helper()
	if opts.TTL == 0 {
		opts.TTL = time.Minute
	}
	if opts.NegativeTTL == 0 {
		opts.NegativeTTL = time.Second
	}
	rt, err := cache.NewReadThrough[product](c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func get(t *testing.T, rt *cache.ReadThrough[product], key string, l *counter) (product, error) {
	t.Helper()
	return rt.Get(t.Context(), key, l.load)
}

func mustRead(t *testing.T, rt *cache.ReadThrough[product], key string, l *counter) product {
	t.Helper()
	p, err := get(t, rt, key, l)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return p
}

func wantCalls(t *testing.T, l *counter, want int32) {
	t.Helper()
	if got := l.calls.Load(); got != want {
		t.Fatalf("loader called %d times, want %d", got, want)
	}
}

func TestReadThroughConcurrentMissesLoadOnce(t *testing.T) {
	const n = 50
	rec := &recorder{Cache: cache.NewMemory(1<<20, nil)}
	rt := newReadThrough(t, rec, cache.Options{})
	l := &counter{answer: func(context.Context, int32) (product, error) {
		// Keep the load open until every reader has missed, and a moment longer so the
		// last of them has joined it too.
		deadline := time.Now().Add(5 * time.Second)
		for rec.getCount() < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		return product{ID: "p1", Name: "Kettle"}, nil
	}}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			if p, err := rt.Get(t.Context(), "p1", l.load); err != nil || p.Name != "Kettle" {
				t.Errorf("Get = %+v, %v", p, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if rec.getCount() != n {
		t.Fatalf("%d cache reads for %d readers", rec.getCount(), n)
	}
	wantCalls(t, l, 1)
	mustRead(t, rt, "p1", l)
	wantCalls(t, l, 1)
}

func TestReadThroughCachesNotFoundBrieflyThenAsksAgain(t *testing.T) {
	c := newClock()
	rt := newReadThrough(t, cache.NewMemory(1<<20, c.now), cache.Options{
		TTL: time.Hour, NegativeTTL: 2 * time.Second, Jitter: 0.1, Now: c.now,
	})
	exists := false
	l := &counter{answer: func(context.Context, int32) (product, error) {
		if !exists {
			return product{}, fmt.Errorf("product p9: %w", cache.ErrNotFound)
		}
		return product{ID: "p9", Name: "Late"}, nil
	}}
	for range 3 {
		if _, err := get(t, rt, "p9", l); !errors.Is(err, cache.ErrNotFound) {
			t.Fatalf("Get = %v, want ErrNotFound", err)
		}
	}
	wantCalls(t, l, 1) // a flood of lookups of a missing id reaches the source once
	exists = true
	c.advance(1700 * time.Millisecond) // inside 2s - 10%: still cached as not found
	if _, err := get(t, rt, "p9", l); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("Get within the negative TTL = %v, want the cached ErrNotFound", err)
	}
	c.advance(600 * time.Millisecond) // past 2s + 10%
	if p := mustRead(t, rt, "p9", l); p.Name != "Late" {
		t.Fatalf("Get after the negative TTL = %+v", p)
	}
	wantCalls(t, l, 2)
}

func TestReadThroughJittersTTLsWithinBounds(t *testing.T) {
	const keys = 200
	rec := &recorder{Cache: cache.NewMemory(1<<20, nil)}
	rt := newReadThrough(t, rec, cache.Options{TTL: 10 * time.Second, NegativeTTL: time.Second, Jitter: 0.1})
	value := &counter{answer: found("x")}
	missing := &counter{answer: func(context.Context, int32) (product, error) { return product{}, cache.ErrNotFound }}
	for i := range keys {
		mustRead(t, rt, fmt.Sprint("v", i), value)
		_, _ = get(t, rt, fmt.Sprint("n", i), missing)
	}
	if len(rec.ttls) != 2*keys {
		t.Fatalf("%d fills, want %d", len(rec.ttls), 2*keys)
	}
	check := func(name string, ttls []time.Duration, base time.Duration) {
		lo, hi := time.Duration(float64(base)*0.9), time.Duration(float64(base)*1.1)
		var below, above int
		for _, ttl := range ttls {
			if ttl < lo || ttl > hi {
				t.Fatalf("%s TTL %s outside [%s, %s]", name, ttl, lo, hi)
			}
			if ttl < base-base/50 {
				below++
			}
			if ttl > base+base/50 {
				above++
			}
		}
		// Uniform over ±10%: about 90% of draws land beyond ±2% on either side.
		if below < len(ttls)/4 || above < len(ttls)/4 {
			t.Fatalf("%s TTLs are not spread over both sides of %s: %d below, %d above of %d", name, base, below, above, len(ttls))
		}
	}
	var pos, neg []time.Duration
	for i, ttl := range rec.ttls {
		if i%2 == 0 {
			pos = append(pos, ttl)
		} else {
			neg = append(neg, ttl)
		}
	}
	check("value", pos, 10*time.Second)
	check("not-found", neg, time.Second)
}

func TestReadThroughInvalidateMakesTheNextReadLoad(t *testing.T) {
	c := newClock()
	rt := newReadThrough(t, cache.NewMemory(1<<20, c.now), cache.Options{Hold: 4 * time.Second, Now: c.now})
	name := "Kettle"
	l := &counter{answer: func(context.Context, int32) (product, error) { return product{ID: "p1", Name: name}, nil }}
	mustRead(t, rt, "p1", l)
	mustRead(t, rt, "p1", l)
	wantCalls(t, l, 1)

	name = "Steel kettle"
	if err := rt.Invalidate(t.Context(), "p1"); err != nil {
		t.Fatal(err)
	}
	if p := mustRead(t, rt, "p1", l); p.Name != "Steel kettle" {
		t.Fatalf("after Invalidate Get = %+v, want the new name", p)
	}
	wantCalls(t, l, 2)
	// While held, reads are answered from the source but not kept.
	mustRead(t, rt, "p1", l)
	wantCalls(t, l, 3)
	c.advance(4 * time.Second)
	mustRead(t, rt, "p1", l)
	mustRead(t, rt, "p1", l)
	wantCalls(t, l, 4)
}

// slowSource is a product whose first load reads the source and then stalls until
// released, like a reader descheduled between its database read and its fill.
type slowSource struct {
	mu       sync.Mutex
	name     string
	loading  chan struct{}
	release  chan struct{}
	counter  counter
	slowRead chan product
}

func newSlowSource(rt *cache.ReadThrough[product]) *slowSource {
	s := &slowSource{name: "old", loading: make(chan struct{}), release: make(chan struct{}), slowRead: make(chan product, 1)}
	s.counter.answer = func(_ context.Context, call int32) (product, error) {
		s.mu.Lock()
		n := s.name
		s.mu.Unlock()
		if call == 1 {
			close(s.loading)
			<-s.release
		}
		return product{ID: "p1", Name: n}, nil
	}
	go func() {
		p, _ := rt.Get(context.Background(), "p1", s.counter.load)
		s.slowRead <- p
	}()
	<-s.loading
	return s
}

// update changes the source; the caller invalidates afterwards, as after a commit.
func (s *slowSource) update(name string) {
	s.mu.Lock()
	s.name = name
	s.mu.Unlock()
}

func TestReadThroughInvalidationIsNotUndoneByALoadThatStartedBefore(t *testing.T) {
	rt := newReadThrough(t, cache.NewMemory(1<<20, nil), cache.Options{Hold: 2 * time.Second})
	s := newSlowSource(rt)
	s.update("new")
	if err := rt.Invalidate(t.Context(), "p1"); err != nil {
		t.Fatal(err)
	}
	close(s.release)
	if p := <-s.slowRead; p.Name != "old" {
		t.Fatalf("the slow reader got %q; it read the source before the change", p.Name)
	}
	if p := mustRead(t, rt, "p1", &s.counter); p.Name != "new" {
		t.Fatalf("the slow load put its stale answer back after the invalidation: Get = %q", p.Name)
	}
}

func TestReadThroughReadsAfterAnInvalidationDoNotJoinAnEarlierLoad(t *testing.T) {
	rt := newReadThrough(t, cache.NewMemory(1<<20, nil), cache.Options{Hold: 2 * time.Second})
	s := newSlowSource(rt)
	defer close(s.release)
	s.update("new")
	if err := rt.Invalidate(t.Context(), "p1"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	p, err := rt.Get(ctx, "p1", s.counter.load)
	if err != nil {
		t.Fatalf("the read after Invalidate waited for the earlier load: %v", err)
	}
	if p.Name != "new" {
		t.Fatalf("read after Invalidate = %q, want new", p.Name)
	}
}

func TestReadThroughServesButDoesNotKeepALoadSlowerThanHalfTheHold(t *testing.T) {
	c := newClock()
	rt := newReadThrough(t, cache.NewMemory(1<<20, c.now), cache.Options{Hold: 4 * time.Second, Now: c.now})
	l := &counter{answer: func(context.Context, int32) (product, error) {
		c.advance(2 * time.Second)
		return product{ID: "p1", Name: "Kettle"}, nil
	}}
	if p := mustRead(t, rt, "p1", l); p.Name != "Kettle" {
		t.Fatalf("Get = %+v", p)
	}
	mustRead(t, rt, "p1", l)
	wantCalls(t, l, 2)
}

func TestReadThroughDoesNotCacheLoaderErrors(t *testing.T) {
	rt := newReadThrough(t, cache.NewMemory(1<<20, nil), cache.Options{})
	boom := errors.New("database is locked")
	l := &counter{answer: func(_ context.Context, call int32) (product, error) {
		if call == 1 {
			return product{}, boom
		}
		return product{ID: "p1", Name: "Kettle"}, nil
	}}
	if _, err := get(t, rt, "p1", l); !errors.Is(err, boom) {
		t.Fatalf("Get = %v, want the loader's error", err)
	}
	if p := mustRead(t, rt, "p1", l); p.Name != "Kettle" {
		t.Fatalf("Get after a failed load = %+v", p)
	}
	wantCalls(t, l, 2)
}

func TestReadThroughDegradesToTheLoaderWhenTheCacheFails(t *testing.T) {
	c := newClock()
	var logs bytes.Buffer
	b := &broken{}
	rt := newReadThrough(t, b, cache.Options{
		ErrorBackoff: time.Second, Now: c.now,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	l := &counter{answer: found("Kettle")}
	for range 5 {
		if p := mustRead(t, rt, "p1", l); p.Name != "Kettle" {
			t.Fatalf("Get with the cache down = %+v", p)
		}
	}
	wantCalls(t, l, 5)
	if got := strings.Count(logs.String(), "cache failing"); got != 1 {
		t.Fatalf("logged %d cache failures for one outage period, want 1:\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Fatalf("the log does not say why:\n%s", logs.String())
	}
	if got := b.calls.Load(); got != 1 {
		t.Fatalf("the failing cache was called %d times during the backoff, want 1", got)
	}
	c.advance(time.Second)
	mustRead(t, rt, "p1", l)
	if got := b.calls.Load(); got != 2 {
		t.Fatalf("after the backoff the cache was not tried again: %d calls", got)
	}
	if err := rt.Invalidate(t.Context(), "p1"); !errors.Is(err, errDown) {
		t.Fatalf("Invalidate with the cache down = %v, want its error", err)
	}
}

func TestReadThroughCallersGetTheirOwnCopies(t *testing.T) {
	rt := newReadThrough(t, cache.NewMemory(1<<20, nil), cache.Options{})
	l := &counter{answer: func(context.Context, int32) (product, error) {
		return product{ID: "p1", Attrs: map[string]string{"colour": "red"}}, nil
	}}
	first := mustRead(t, rt, "p1", l)
	first.Attrs["colour"] = "changed"
	if second := mustRead(t, rt, "p1", l); second.Attrs["colour"] != "red" {
		t.Fatalf("one caller's change reached another: %v", second.Attrs)
	}
}

func TestReadThroughReplacesAnEntryThatDoesNotDecode(t *testing.T) {
	m := cache.NewMemory(1<<20, nil)
	if err := m.Set(t.Context(), "p1", cache.Entry{Value: []byte(`["an older shape"]`)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	rt := newReadThrough(t, m, cache.Options{Logger: slog.New(slog.DiscardHandler)})
	l := &counter{answer: found("Kettle")}
	if p := mustRead(t, rt, "p1", l); p.Name != "Kettle" {
		t.Fatalf("Get = %+v", p)
	}
	mustRead(t, rt, "p1", l)
	wantCalls(t, l, 1)
}

func TestReadThroughRawJSONIsCheckedAndCopied(t *testing.T) {
	m := cache.NewMemory(1<<20, nil)
	if err := m.Set(t.Context(), "bad", cache.Entry{Value: []byte(`{"cut off`)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	rt, err := cache.NewReadThrough[json.RawMessage](m, cache.Options{TTL: time.Minute, NegativeTTL: time.Minute, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	loads := 0
	load := func(context.Context) (json.RawMessage, error) {
		loads++
		return json.RawMessage(`{"id":"p1"}`), nil
	}
	got, err := rt.Get(t.Context(), "bad", load)
	if err != nil || string(got) != `{"id":"p1"}` || loads != 1 {
		t.Fatalf("an entry that is not JSON: Get = %s, %v after %d loads; want the loader's answer", got, err, loads)
	}
	first, _ := rt.Get(t.Context(), "bad", load)
	first[2] = 'X'
	if second, _ := rt.Get(t.Context(), "bad", load); string(second) != `{"id":"p1"}` || loads != 1 {
		t.Fatalf("a caller's change reached the cache (%s) or the entry was loaded again (%d)", second, loads)
	}
}

func TestReadThroughAReaderStopsWaitingWhenItsContextEnds(t *testing.T) {
	mem := cache.NewMemory(1<<20, nil)
	rt := newReadThrough(t, mem, cache.Options{})
	release := make(chan struct{})
	l := &counter{answer: func(context.Context, int32) (product, error) {
		<-release
		return product{ID: "p1", Name: "Kettle"}, nil
	}}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := rt.Get(ctx, "p1", l.load); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get = %v, want the reader's deadline", err)
	}
	close(release)
	// The load went on without its reader and was kept. (Reading straight away could
	// miss the cache an instant before the fill and start a second load just after the
	// first one ended, which is allowed; the test waits for the fill instead.)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := mem.Get(t.Context(), "p1"); err == nil {
			break
		} else if !errors.Is(err, cache.ErrMiss) || time.Now().After(deadline) {
			t.Fatalf("the abandoned load never filled the cache: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if p := mustRead(t, rt, "p1", l); p.Name != "Kettle" {
		t.Fatalf("Get = %+v", p)
	}
	wantCalls(t, l, 1)
}

func TestNewReadThroughRejectsBadOptions(t *testing.T) {
	m := cache.NewMemory(1<<20, nil)
	for name, opts := range map[string]cache.Options{
		"no_ttl":          {NegativeTTL: time.Second},
		"no_negative_ttl": {TTL: time.Second},
		"jitter_negative": {TTL: time.Second, NegativeTTL: time.Second, Jitter: -0.1},
		"jitter_too_wide": {TTL: time.Second, NegativeTTL: time.Second, Jitter: 0.6},
		"negative_hold":   {TTL: time.Second, NegativeTTL: time.Second, Hold: -time.Second},
	} {
		if _, err := cache.NewReadThrough[product](m, opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := cache.NewReadThrough[product](nil, cache.Options{TTL: time.Second, NegativeTTL: time.Second}); err == nil {
		t.Error("accepted a nil cache")
	}
}
