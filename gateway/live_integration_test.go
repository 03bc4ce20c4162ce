//go:build integration

package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/pkg/canary"
	"github.com/cartwheel-shop/cartwheel/pkg/livecfg"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos/nacostest"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// liveNacos is one Nacos server (a private rnacos where a binary is found) and a group
// and data id of this test's own.
type liveNacos struct {
	cfg    nacos.Config
	dataID string
	t      *testing.T
}

func newLiveNacos(t *testing.T) *liveNacos {
	t.Helper()
	var id [4]byte
	_, _ = rand.Read(id[:])
	// The SDK keeps one process-wide logger: its files must outlive every test's TempDir.
	sdk := filepath.Join(os.TempDir(), "cartwheel-gateway-nacos-sdk")
	return &liveNacos{t: t, dataID: livecfg.DefaultDataID, cfg: nacos.Config{
		Addr: nacostest.Addr(t), Group: "cw-live-" + hex.EncodeToString(id[:]),
		LogDir: filepath.Join(sdk, "log"), CacheDir: filepath.Join(sdk, "cache"),
	}}
}

// registry opens a Nacos registry of the test's group whose instances carry track.
func (n *liveNacos) registry(track string) *nacos.Registry {
	n.t.Helper()
	cfg := n.cfg
	cfg.Track = track
	reg, err := nacos.New(cfg, nil)
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { reg.Close() })
	return reg
}

// publish writes the live-settings document as an SRE would.
func (n *liveNacos) publish(doc string) {
	n.t.Helper()
	center, err := nacos.NewConfigCenter(n.cfg)
	if err != nil {
		n.t.Fatal(err)
	}
	defer center.Close()
	if err := center.Publish(n.dataID, doc); err != nil {
		n.t.Fatal(err)
	}
}

// following makes the gateway read its live settings from this test's document.
func (n *liveNacos) following(c *Config) {
	c.Live = livecfg.Config{Source: "nacos", DataID: n.dataID, Nacos: n.cfg}
}

// logsOnFailure prints the gateway's log when the test fails: what it applied or refused.
func logsOnFailure(t *testing.T, h *harness) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gateway log:\n%s", h.logs.String())
		}
	})
}

// refusals counts the refused documents the gateway logged.
func refusals(h *harness) int { return strings.Count(h.logs.String(), "live settings refused") }

// The real wire end to end: a stable and a canary order service registered in Nacos with
// their track, the gateway resolving through Nacos and following its live document.
func TestCanaryRoutingThroughNacos(t *testing.T) {
	n := newLiveNacos(t)
	n.publish(`{"canary_share": 0}`)
	gatewayReg := n.registry("")
	h := startOn(t, gatewayReg, nil, n.following)
	logsOnFailure(t, h)
	serveOrders(t, n.registry(canary.TrackStable), canary.TrackStable)
	serveOrders(t, n.registry(canary.TrackCanary), canary.TrackCanary)
	awaitTracks(t, gatewayReg, canary.TrackStable, canary.TrackCanary)
	// The gateway's balancer learns of both within its one-second refresh; wait until a
	// canary request has reached the canary once.
	testkit.Eventually(t, 20*time.Second, "a canary request reaching the canary", func() bool {
		a := h.do(call{method: "GET", path: "/api/v1/cart", token: h.customer(), header: always})
		return a.status == http.StatusOK && strings.Contains(string(a.body), "served-by-"+canary.TrackCanary)
	})

	for i := range 20 {
		if got := servedBy(t, h, customerID, always); got != canary.TrackCanary {
			t.Fatalf("request %d with X-Canary: always served by %s", i, got)
		}
		if got := servedBy(t, h, customerID, nil); got != canary.TrackStable {
			t.Fatalf("plain request %d served by %s", i, got)
		}
	}

	// A share changed in Nacos takes effect without a restart.
	n.publish(`{"canary_share": 10}`)
	testkit.Eventually(t, 20*time.Second, "the 10% share in force", func() bool { return h.g.live.Current().CanaryShare == 10 })
	const users = 2000
	got := canaryShare(t, h, users)
	if pct := 100 * float64(got) / users; pct < 7 || pct > 13 {
		t.Fatalf("share 10%%: %d of %d users (%.1f%%) on the canary, want 10 ± 3%%", got, users, pct)
	}
	t.Logf("share 10%%: %d of %d users on the canary", got, users)

	// An invalid share is refused, logged, and the old one stays.
	before := refusals(h)
	n.publish(`{"canary_share": 250}`)
	testkit.Eventually(t, 20*time.Second, "the invalid share refused", func() bool { return refusals(h) > before })
	if share := h.g.live.Current().CanaryShare; share != 10 {
		t.Fatalf("share after a refused document: %v, want the old 10", share)
	}

	n.publish(`{"canary_share": 0}`)
	testkit.Eventually(t, 20*time.Second, "the 0% share in force", func() bool { return h.g.live.Current().CanaryShare == 0 })
	if got := canaryShare(t, h, 200); got != 0 {
		t.Fatalf("share 0: %d of 200 users on the canary", got)
	}
}

// Run under -race: the per-IP limit changes in Nacos while requests flow; an invalid
// limit is refused and the old one stays.
func TestLiveRateLimitFromNacosWhileRequestsFlow(t *testing.T) {
	n := newLiveNacos(t)
	f := newFakes()
	f.orders.getCart = func(_ context.Context, _ *orderapi.GetCartRequest) (*orderapi.Cart, error) { return sampleCart(), nil }
	h := start(t, f, n.following)
	logsOnFailure(t, h)
	flowing := startFlow(t, h, 4)
	testkit.Eventually(t, 20*time.Second, "requests admitted under the environment's limit", func() bool { return flowing.ok.Load() > 20 })

	n.publish(`{"rate_per_ip": 0.01, "burst_per_ip": 1}`)
	testkit.Eventually(t, 20*time.Second, "requests refused under the limit set in Nacos", func() bool { return flowing.limited.Load() > 20 })

	before := refusals(h)
	n.publish(`{"rate_per_ip": "fast", "burst_per_ip": 1000}`)
	testkit.Eventually(t, 20*time.Second, "the invalid limit refused", func() bool { return refusals(h) > before })
	if cur := h.g.live.Current(); cur.RatePerIP != 0.01 || cur.BurstPerIP != 1 {
		t.Fatalf("limits after a refused document: %+v, want the old ones", cur)
	}
	for i := range 3 {
		if got := status(t, h); got != http.StatusTooManyRequests {
			t.Fatalf("request %d after the refused document: %d, want 429", i, got)
		}
	}

	n.publish(`{"rate_per_ip": 10000, "burst_per_ip": 10000}`)
	testkit.Eventually(t, 20*time.Second, "requests admitted again", func() bool { return status(t, h) == http.StatusOK })
	if other := flowing.other.Load(); other != 0 {
		t.Fatalf("%d requests answered neither 200 nor 429", other)
	}
}
