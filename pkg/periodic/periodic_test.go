package periodic_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/periodic"
)

func TestEveryCallsOnEachTickUntilTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var calls atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		periodic.Every(ctx, 5*time.Millisecond, func(context.Context) {
			if calls.Add(1) == 3 {
				cancel()
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Every did not return after its context ended")
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d calls, want 3: none after the context ended", n)
	}
}

func TestEveryWaitsOneIntervalBeforeTheFirstCall(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	var calls atomic.Int32
	periodic.Every(ctx, time.Hour, func(context.Context) { calls.Add(1) })
	if n := calls.Load(); n != 0 {
		t.Fatalf("%d calls before the first interval passed", n)
	}
}
