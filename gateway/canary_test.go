package gateway

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/discovery"
	"github.com/cloudwego/kitex/pkg/rpcinfo"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	"github.com/cartwheel-shop/cartwheel/pkg/canary"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
)

// trackedOrders is an order service that names its release in every cart it returns, so
// a test can tell which instance answered; every other method panics if called.
type trackedOrders struct {
	orderapi.OrderService
	track string
}

func (o *trackedOrders) GetCart(context.Context, *orderapi.GetCartRequest) (*orderapi.Cart, error) {
	return &orderapi.Cart{Lines: []*orderapi.CartLine{{Sku: "MUG-RED", Name: "served-by-" + o.track, Quantity: 1, UnitPrice: usd(100)}}, Total: usd(100)}, nil
}

// serveOrders runs a real Kitex order server of the given track registered through reg
// (which must add the track tag itself for a canary, e.g. registry.Tagged or the Nacos
// driver's Track), until the test ends.
func serveOrders(t *testing.T, reg registry.Registry, track string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := orderservice.NewServer(&trackedOrders{track: track}, suite.ServerOptions(OrderService, ln, reg)...)
	done := make(chan error, 1)
	go func() { done <- srv.Run() }()
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stop %s order server: %v", track, err)
		}
		<-done
	})
}

// awaitTracks waits until the resolver lists an order instance of every track given.
func awaitTracks(t *testing.T, resolver discovery.Resolver, tracks ...string) {
	t.Helper()
	target := resolver.Target(t.Context(), rpcinfo.NewEndpointInfo(OrderService, "", nil, nil))
	var seen map[string]bool
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		res, err := resolver.Resolve(t.Context(), target)
		seen = map[string]bool{}
		for _, in := range res.Instances {
			track, _ := in.Tag(canary.TrackTag)
			seen[track] = true
		}
		if err == nil && allSeen(seen, tracks) {
			return
		}
	}
	t.Fatalf("order instances of tracks %v never all resolved; saw %v", tracks, seen)
}

func allSeen(seen map[string]bool, want []string) bool {
	for _, w := range want {
		if !seen[w] {
			return false
		}
	}
	return true
}

// servedBy asks for a cart and answers which release served it.
func servedBy(t *testing.T, h *harness, userID string, header map[string]string) string {
	t.Helper()
	a := h.do(call{method: "GET", path: "/api/v1/cart", token: h.token(userID, token.RoleCustomer), header: header})
	if a.status != http.StatusOK {
		t.Fatalf("cart for %s: %d %s", userID, a.status, a.body)
	}
	for _, track := range []string{canary.TrackStable, canary.TrackCanary} {
		if strings.Contains(string(a.body), "served-by-"+track) {
			return track
		}
	}
	t.Fatalf("cart names no release: %s", a.body)
	return ""
}

// canaryShare counts the users out of n whose carts the canary served.
func canaryShare(t *testing.T, h *harness, n int) int {
	t.Helper()
	onCanary := 0
	for i := range n {
		if servedBy(t, h, fmt.Sprintf("0193a1c2-%04d-7000-8000-%012d", i, i*7919), nil) == canary.TrackCanary {
			onCanary++
		}
	}
	return onCanary
}

var always = map[string]string{canary.Header: canary.HeaderAlways}

// On the static registry: one stable and one canary order service behind the gateway's
// own Kitex clients.
func TestCanaryRouting(t *testing.T) {
	h := start(t, nil)
	serveOrders(t, registry.Registry(h.reg), canary.TrackStable)
	serveOrders(t, registry.Tagged(h.reg, map[string]string{canary.TrackTag: canary.TrackCanary}), canary.TrackCanary)
	awaitTracks(t, h.reg, "", canary.TrackCanary)

	for i := range 20 {
		if got := servedBy(t, h, customerID, always); got != canary.TrackCanary {
			t.Fatalf("request %d with X-Canary: always served by %s", i, got)
		}
		if got := servedBy(t, h, customerID, nil); got != canary.TrackStable {
			t.Fatalf("plain request %d served by %s", i, got)
		}
	}

	if err := h.g.live.Apply([]byte(`{"canary_share": 100}`), "test"); err != nil {
		t.Fatal(err)
	}
	if got := canaryShare(t, h, 20); got != 20 {
		t.Fatalf("share 100%%: %d of 20 users on the canary", got)
	}
	// An invalid share is refused and the last good one stays.
	if err := h.g.live.Apply([]byte(`{"canary_share": 150}`), "test"); err == nil {
		t.Fatal("share 150 accepted")
	}
	if got := canaryShare(t, h, 20); got != 20 {
		t.Fatalf("after a refused share: %d of 20 users on the canary, want the old 100%%", got)
	}
	if err := h.g.live.Apply([]byte(`{"canary_share": 0}`), "test"); err != nil {
		t.Fatal(err)
	}
	if got := canaryShare(t, h, 20); got != 0 {
		t.Fatalf("share 0: %d of 20 users on the canary", got)
	}
}

// A canary request for a service without a canary goes to its stable instances.
func TestCanaryRequestWithoutCanaryGoesStable(t *testing.T) {
	h := start(t, nil)
	serveOrders(t, h.reg, canary.TrackStable)
	awaitTracks(t, h.reg, "")
	if got := servedBy(t, h, customerID, always); got != canary.TrackStable {
		t.Fatalf("served by %s", got)
	}
}
