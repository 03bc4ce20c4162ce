// Package ratelimittest is the one contract suite for the rate-limit port: every
// ratelimit.Limiter, in-process and Redis alike, must pass RunContract.
package ratelimittest

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit"
)

// Rate and Burst are the limits every limiter under contract must be built with.
const (
	Rate  = 10.0 // per second: one token every 100ms
	Burst = 3
)

const interval = time.Duration(float64(time.Second) / Rate)

// RunContract runs the contract against limiters made by newLimiter with Rate and
// Burst, one per subtest. Limiters may share a store (one Redis): every subtest uses
// keys of its own. Time is real, since a Redis server cannot be given a fake clock.
func RunContract(t *testing.T, newLimiter func(t *testing.T) ratelimit.Limiter) {
	cases := []struct {
		name string
		run  func(t *testing.T, l ratelimit.Limiter, key string)
	}{
		{"burst_then_refuse_with_retry_after", testBurst},
		{"refusals_do_not_spend_tokens", testRefusalsAreFree},
		{"admits_again_after_retry_after", testRefill},
		{"keys_are_independent", testKeys},
		{"forget_restores_the_full_burst", testForget},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newLimiter(t), "limitertest:"+randomHex(t)+":")
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

func allow(t *testing.T, l ratelimit.Limiter, key string) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(t.Context(), key)
	if err != nil {
		t.Fatalf("Allow(%q): %v", key, err)
	}
	return d
}

// spend takes the whole burst of key, which must be admitted.
func spend(t *testing.T, l ratelimit.Limiter, key string) {
	t.Helper()
	for i := range Burst {
		if d := allow(t, l, key); !d.Allowed {
			t.Fatalf("request %d of a burst of %d refused (retry after %s)", i+1, Burst, d.RetryAfter)
		}
	}
}

func wantRefused(t *testing.T, l ratelimit.Limiter, key string) time.Duration {
	t.Helper()
	d := allow(t, l, key)
	if d.Allowed {
		t.Fatal("a request past the burst was admitted")
	}
	if d.RetryAfter <= 0 || d.RetryAfter > interval {
		t.Fatalf("RetryAfter = %s, want within one token's time (%s)", d.RetryAfter, interval)
	}
	return d.RetryAfter
}

func testBurst(t *testing.T, l ratelimit.Limiter, key string) {
	spend(t, l, key+"k")
	wantRefused(t, l, key+"k")
}

func testRefusalsAreFree(t *testing.T, l ratelimit.Limiter, key string) {
	spend(t, l, key+"k")
	first := wantRefused(t, l, key+"k")
	for range 20 {
		wantRefused(t, l, key+"k")
	}
	// Were refusals spending tokens, the wait would have grown by 20 intervals.
	if last := wantRefused(t, l, key+"k"); last > first {
		t.Fatalf("RetryAfter grew from %s to %s while requests were refused", first, last)
	}
}

func testRefill(t *testing.T, l ratelimit.Limiter, key string) {
	spend(t, l, key+"k")
	wait := wantRefused(t, l, key+"k")
	time.Sleep(wait + 20*time.Millisecond)
	if d := allow(t, l, key+"k"); !d.Allowed {
		t.Fatalf("refused after waiting RetryAfter (%s): retry after %s more", wait, d.RetryAfter)
	}
}

func testKeys(t *testing.T, l ratelimit.Limiter, key string) {
	spend(t, l, key+"a")
	wantRefused(t, l, key+"a")
	spend(t, l, key+"b")
}

// testForget: a forgotten key has its whole burst again, and only that key.
func testForget(t *testing.T, l ratelimit.Limiter, key string) {
	f, ok := l.(ratelimit.Forgetter)
	if !ok {
		t.Fatalf("%T does not implement ratelimit.Forgetter", l)
	}
	spend(t, l, key+"a")
	spend(t, l, key+"b")
	if err := f.Forget(t.Context(), key+"a"); err != nil {
		t.Fatalf("Forget: %v", err)
	}
	if err := f.Forget(t.Context(), key+"never-seen"); err != nil {
		t.Fatalf("Forget of an unknown key: %v", err)
	}
	spend(t, l, key+"a")
	wantRefused(t, l, key+"b")
}
