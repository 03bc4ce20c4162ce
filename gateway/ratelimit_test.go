package gateway

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
)

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRedisRateLimitFailsOpenWhenRedisIsAway(t *testing.T) {
	f := newFakes()
	f.orders.getCart = func(context.Context, *orderapi.GetCartRequest) (*orderapi.Cart, error) { return sampleCart(), nil }
	h := start(t, f, func(c *Config) {
		c.RateDriver, c.Redis.Addr = "redis", deadAddr(t)
		c.RatePerIP, c.BurstPerIP = 0.5, 1 // would refuse the second request, were Redis there
	})
	if !strings.Contains(h.logs.String(), "rate limiter's Redis does not answer") {
		t.Errorf("start-up did not warn that limits are off:\n%s", h.logs.String())
	}
	for i := range 3 {
		if a := h.do(call{method: "GET", path: "/api/v1/cart", token: h.customer()}); a.status != http.StatusOK {
			t.Fatalf("request %d with Redis away: %d %s; want admitted (fail open)", i+1, a.status, a.body)
		}
	}
	// One warning per limiter for the outage, not one per request.
	out := h.logs.String()
	for _, limiter := range []string{`"limiter":"per_ip"`, `"limiter":"per_user"`} {
		warned := 0
		for line := range strings.Lines(out) {
			if strings.Contains(line, "rate limiter unavailable") && strings.Contains(line, limiter) {
				warned++
			}
		}
		if warned != 1 {
			t.Errorf("%s warned %d times for 3 requests in one outage, want once:\n%s", limiter, warned, out)
		}
	}
}
