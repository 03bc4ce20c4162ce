package testkit

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// recorder is a testing.TB that records a failure instead of ending the test.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(r)
}

// run calls f with a recorder and returns the failure it recorded, if any.
func run(t *testing.T, f func(tb testing.TB)) (failed string) {
	r := &recorder{TB: t}
	defer func() {
		if v := recover(); v != nil && v != any(r) {
			panic(v)
		}
		failed = r.failed
	}()
	f(r)
	return ""
}

func TestEventuallyReturnsOnceTheConditionHolds(t *testing.T) {
	calls := 0
	failed := run(t, func(tb testing.TB) {
		Eventually(tb, time.Second, "three calls", func() bool { calls++; return calls == 3 })
	})
	if failed != "" || calls != 3 {
		t.Fatalf("failed %q after %d calls, want success on the third", failed, calls)
	}
}

func TestEventuallyFailsNamingWhatItWaitedFor(t *testing.T) {
	failed := run(t, func(tb testing.TB) {
		Eventually(tb, 50*time.Millisecond, "the moon", func() bool { return false })
	})
	if failed != "timed out after 50ms waiting for the moon" {
		t.Fatalf("failure %q", failed)
	}
}

type lagger struct {
	mu  sync.Mutex
	lag map[string]int64
}

func (l *lagger) Lag(context.Context) (map[string]int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return map[string]int64{"a": l.lag["a"], "b": l.lag["b"]}, nil
}

func TestDrainedWaitsForEveryGroup(t *testing.T) {
	l := &lagger{lag: map[string]int64{"a": 0, "b": 2}}
	if failed := run(t, func(tb testing.TB) { Drained(tb, l, 50*time.Millisecond) }); failed == "" {
		t.Fatal("a group with lag 2 passed as drained")
	}
	go func() {
		time.Sleep(30 * time.Millisecond)
		l.mu.Lock()
		l.lag["b"] = 0
		l.mu.Unlock()
	}()
	if failed := run(t, func(tb testing.TB) { Drained(tb, l, 5*time.Second) }); failed != "" {
		t.Fatalf("drained broker: %s", failed)
	}
}

func TestSyncBufferIsSafeForConcurrentWriters(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("x"))
			}
		})
	}
	wg.Wait()
	if n := len(b.String()); n != 800 {
		t.Fatalf("%d bytes, want 800", n)
	}
}
