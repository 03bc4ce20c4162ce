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
