package gateway

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	kregistry "github.com/cloudwego/kitex/pkg/registry"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/suite/suitetest"
)

// stalledService registers, as service name in h's registry, a server that accepts
// connections and never answers (suitetest.Stalled).
func stalledService(t *testing.T, h *harness, name string) {
	t.Helper()
	addr, err := net.ResolveTCPAddr("tcp", suitetest.Stalled(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.reg.Register(&kregistry.Info{ServiceName: name, Addr: addr}); err != nil {
		t.Fatal(err)
	}
}

// TestStalledServiceIsRefusedFast: while a service answers nothing, the gateway answers
// 503 UNAVAILABLE with Retry-After at the RPC timeout, and once the service's breaker
// has opened, at once, telling the client to come back when the breaker next probes.
func TestStalledServiceIsRefusedFast(t *testing.T) {
	const timeout = 200 * time.Millisecond
	h := start(t, nil, func(c *Config) { c.RPCTimeout = timeout })
	stalledService(t, h, ProductService)

	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			a := h.do(call{method: "GET", path: "/api/v1/categories"})
			if a.status != http.StatusServiceUnavailable {
				t.Errorf("stalled service: %d %s, want 503", a.status, a.body)
				return
			}
			if got := a.header.Get("Retry-After"); got != "1" && got != "5" {
				t.Errorf("stalled service: Retry-After %q, want 1 (timed out) or 5 (breaker open)", got)
			}
		})
	}
	wg.Wait()

	start := time.Now()
	a := h.do(call{method: "GET", path: "/api/v1/categories"})
	took := time.Since(start)
	a.expectError(t, http.StatusServiceUnavailable, errs.Unavailable.Name)
	if got := a.header.Get("Retry-After"); got != "5" {
		t.Errorf("breaker open: Retry-After %q, want 5 (the breaker's cooling time)", got)
	}
	if took >= timeout/2 {
		t.Errorf("breaker open: answered in %s; the gateway should not wait on a stalled service", took)
	}
}

// TestServiceWithoutInstanceIsUnavailableWithRetryAfter: nothing registered for a
// service is a 503 the client may retry in a second.
func TestServiceWithoutInstanceIsUnavailableWithRetryAfter(t *testing.T) {
	h := start(t, nil)
	a := h.do(call{method: "GET", path: "/api/v1/payments/" + paymentID, token: h.customer()})
	a.expectError(t, http.StatusServiceUnavailable, errs.Unavailable.Name)
	if got := a.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
}
