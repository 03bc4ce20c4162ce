//go:build integration

package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"strconv"
	"testing"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// This test needs the Redis of scripts/infra.sh: eval "$(scripts/infra.sh env)". It
// fails, never skips, without it: the integration build only runs with the engines up.

func TestRedisRateLimitIsSharedByGatewayReplicas(t *testing.T) {
	addr := os.Getenv("CARTWHEEL_REDIS_ADDR")
	if addr == "" {
		t.Fatal(`CARTWHEEL_REDIS_ADDR must be set: eval "$(scripts/infra.sh env)"`)
	}
	suffix := make([]byte, 8)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	f := newFakes()
	f.orders.getCart = func(context.Context, *orderapi.GetCartRequest) (*orderapi.Cart, error) { return sampleCart(), nil }
	replica := func(c *Config) {
		c.RateDriver, c.Redis.Addr = "redis", addr
		// Its own prefix keeps this test off the budgets of a dev fleet on the same Redis.
		c.RateKeyPrefix = "cartwheel-test:" + hex.EncodeToString(suffix) + ":"
		c.RatePerUser, c.BurstPerUser = 0.5, 4
	}
	a, b := start(t, f, replica), start(t, f, replica)
	tok := a.customer()
	for i := range 4 {
		h := a
		if i%2 == 1 {
			h = b
		}
		if got := h.do(call{method: "GET", path: "/api/v1/cart", token: tok}); got.status != http.StatusOK {
			t.Fatalf("request %d of the shared burst: %d %s", i+1, got.status, got.body)
		}
	}
	for name, h := range map[string]*harness{"a": a, "b": b} {
		got := h.do(call{method: "GET", path: "/api/v1/cart", token: tok})
		got.expectError(t, http.StatusTooManyRequests, errs.RateLimited.Name)
		// One token every 2s: the answer's wait, rounded up to whole seconds.
		if n, err := strconv.Atoi(got.header.Get("Retry-After")); err != nil || n < 1 || n > 2 {
			t.Errorf("replica %s: Retry-After = %q, want 1 or 2 seconds", name, got.header.Get("Retry-After"))
		}
	}
}
