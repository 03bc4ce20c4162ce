package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/canary"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// servedCalls counts the RPCs a server recorded in tel (Kitex's server throughput).
func servedCalls(t testing.TB, tel *obs.Telemetry) float64 {
	t.Helper()
	families, err := tel.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, f := range families {
		if f.GetName() != "kitex_server_throughput" {
			continue
		}
		for _, m := range f.GetMetric() {
			n += m.GetCounter().GetValue()
		}
	}
	return n
}

// The real fleet with a second, canary order service: X-Canary: always reaches only the
// canary, plain requests only the stable one. Under the integration build the canary
// registers in Nacos with track=canary.
func TestCanaryOrderService(t *testing.T) {
	s := newShop(t, nil)
	kim := s.newCustomer("Kim")
	ctx := context.Background()
	tel, stopCanary, err := s.fleet.AddCanaryOrderInstance(ctx, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stopCanary)
	testkit.Eventually(t, 30*time.Second, "the canary order instance discoverable", func() bool {
		res, err := s.fleet.Registry.Resolver().Resolve(ctx, "order")
		if err != nil {
			return false
		}
		for _, in := range res.Instances {
			if track, _ := in.Tag(canary.TrackTag); track == canary.TrackCanary {
				return true
			}
		}
		return false
	})
	always := map[string]string{canary.Header: canary.HeaderAlways}
	// The gateway's balancer refreshes every second: wait for the first canary call.
	testkit.Eventually(t, 30*time.Second, "a canary request served by the canary", func() bool {
		return s.call("GET", "/api/v1/cart", kim.token, nil, always).status == http.StatusOK && servedCalls(t, tel) > 0
	})

	before := servedCalls(t, tel)
	for i := range 20 {
		if r := s.call("GET", "/api/v1/cart", kim.token, nil, nil); r.status != http.StatusOK {
			t.Fatalf("plain request %d: %d %s", i, r.status, r.body)
		}
	}
	if got := servedCalls(t, tel); got != before {
		t.Fatalf("the canary served %v of 20 plain requests", got-before)
	}
	for i := range 20 {
		if r := s.call("GET", "/api/v1/cart", kim.token, nil, always); r.status != http.StatusOK {
			t.Fatalf("canary request %d: %d %s", i, r.status, r.body)
		}
	}
	if got := servedCalls(t, tel) - before; got != 20 {
		t.Fatalf("the canary served %v of 20 X-Canary: always requests", got)
	}
}
