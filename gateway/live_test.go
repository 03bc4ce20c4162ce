package gateway

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// flow keeps requests coming from several clients until the test ends, counting
// answers by status; the live-settings tests change limits under it (and -race watches).
type flow struct {
	ok, limited, other atomic.Int64
}

func startFlow(t *testing.T, h *harness, clients int) *flow {
	t.Helper()
	f := &flow{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "GET", h.base+"/api/v1/cart", nil)
				req.Header.Set("Authorization", "Bearer "+h.customer())
				resp, err := h.client.Do(req)
				if err != nil {
					continue // the test is ending
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					f.ok.Add(1)
				case http.StatusTooManyRequests:
					f.limited.Add(1)
				default:
					f.other.Add(1)
				}
			}
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return f
}

// status asks for the cart once.
func status(t *testing.T, h *harness) int {
	t.Helper()
	return h.do(call{method: "GET", path: "/api/v1/cart", token: h.customer()}).status
}

func TestLiveRateLimitChangesWhileRequestsFlow(t *testing.T) {
	f := newFakes()
	f.orders.getCart = func(context.Context, *orderapi.GetCartRequest) (*orderapi.Cart, error) { return sampleCart(), nil }
	h := start(t, f)
	flowing := startFlow(t, h, 4)
	testkit.Eventually(t, 10*time.Second, "requests admitted under the environment's generous limit", func() bool { return flowing.ok.Load() > 20 })
	if flowing.limited.Load() != 0 {
		t.Fatalf("%d requests limited before any change", flowing.limited.Load())
	}

	// One request per 100 s per IP: the flow is refused from now on.
	if err := h.g.live.Apply([]byte(`{"rate_per_ip": 0.01, "burst_per_ip": 1}`), "test"); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "requests refused under the tightened limit", func() bool { return flowing.limited.Load() > 20 })

	if err := h.g.live.Apply([]byte(`{"rate_per_ip": -5}`), "test"); err == nil {
		t.Fatal("a negative rate was accepted")
	}
	for i := range 3 {
		if got := status(t, h); got != http.StatusTooManyRequests {
			t.Fatalf("request %d after the refused change: %d, want 429 (the last good limit stays)", i, got)
		}
	}

	// An empty document goes back to the environment's limit.
	if err := h.g.live.Apply([]byte(`{}`), "test"); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "requests admitted again", func() bool { return status(t, h) == http.StatusOK })
	if n := flowing.other.Load(); n != 0 {
		t.Fatalf("%d requests answered neither 200 nor 429", n)
	}
}

// The log level turns live and goes back to the start-up level when the key is removed.
func TestLiveLogLevel(t *testing.T) {
	out := &testkit.SyncBuffer{}
	log := logging.New(out, "gateway", "info")
	cfg := testConfig(t)
	limits, closeLimits := newLimiters(context.Background(), cfg, log)
	defer closeLimits.Close()
	live, stop, err := startLive(cfg, log, limits)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	log.Debug("hidden-before")
	if err := live.Apply([]byte(`{"log_level": "debug"}`), "test"); err != nil {
		t.Fatal(err)
	}
	log.Debug("shown-after-debug")
	if err := live.Apply([]byte(`{"log_level": "verbose"}`), "test"); err == nil {
		t.Fatal("an unknown log level was accepted")
	}
	log.Debug("shown-after-refusal")
	if err := live.Apply([]byte(`{}`), "test"); err != nil {
		t.Fatal(err)
	}
	log.Debug("hidden-after-reset")
	got := out.String()
	for _, line := range []string{"shown-after-debug", "shown-after-refusal"} {
		if !strings.Contains(got, line) {
			t.Errorf("%s missing:\n%s", line, got)
		}
	}
	for _, line := range []string{"hidden-before", "hidden-after-reset"} {
		if strings.Contains(got, line) {
			t.Errorf("%s logged:\n%s", line, got)
		}
	}
}
