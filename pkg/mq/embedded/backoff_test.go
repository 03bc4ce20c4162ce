package embedded

import (
	"testing"
	"time"
)

func TestDefaultRetryBackoffDoublesUpToItsCap(t *testing.T) {
	backoff := Options{}.withDefaults().RetryBackoff
	want := map[int]time.Duration{
		1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 7: time.Minute, 100: time.Minute,
	}
	for n, want := range want {
		if got := backoff(n); got != want {
			t.Errorf("redelivery %d: back-off %v, want %v", n, got, want)
		}
	}
}

// RocketMQ's push consumer runs 20 handlers at a time (ConsumeGoroutineNums); the dev
// server's consumers keep pace with placement only with about as many.
func TestDefaultConcurrencyIsRocketMQs(t *testing.T) {
	if got := (Options{}).withDefaults().Concurrency; got != 20 {
		t.Errorf("default handlers in flight per consumer = %d, want 20", got)
	}
}
