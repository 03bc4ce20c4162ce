package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/pkg/canary"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// countedProduct makes the fake product service answer p (or err) and count its calls.
func countedProduct(f *fakes, answer func() (*productapi.Product, error)) *atomic.Int64 {
	var calls atomic.Int64
	f.products.getProduct = func(context.Context, *productapi.GetProductRequest) (*productapi.Product, error) {
		calls.Add(1)
		return answer()
	}
	return &calls
}

func getProduct(h *harness, header map[string]string) answer {
	h.t.Helper()
	return h.do(call{method: "GET", path: "/api/v1/products/" + productID, header: header})
}

func TestProductDetailIsKeptForTheTTLThenAskedAgain(t *testing.T) {
	f := newFakes()
	available := atomic.Int64{}
	available.Store(7)
	calls := countedProduct(f, func() (*productapi.Product, error) {
		p := sampleProduct()
		p.Skus[0].Available = available.Load()
		return p, nil
	})
	h := start(t, f, func(c *Config) { c.ProductCacheTTL = 200 * time.Millisecond })

	first := getProduct(h, nil)
	if first.status != http.StatusOK || !strings.Contains(string(first.body), `"available":7`) {
		t.Fatalf("first answer: %d %s", first.status, first.body)
	}
	for range 20 {
		if a := getProduct(h, nil); a.status != http.StatusOK || string(a.body) != string(first.body) {
			t.Fatalf("kept answer differs: %d %s, want %s", a.status, a.body, first.body)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("product service asked %d times for 21 reads within the TTL, want 1", n)
	}
	if ct := first.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.HasSuffix(string(first.body), "}\n") {
		t.Errorf("answer does not end with a newline: %q", first.body)
	}

	// The stock moves; past the TTL the page shows it.
	available.Store(3)
	testkit.Eventually(t, 5*time.Second, "the new availability after the TTL", func() bool {
		return strings.Contains(string(getProduct(h, nil).body), `"available":3`)
	})
}

func TestProductDetailIsKeptPerViewAndRelease(t *testing.T) {
	f := newFakes()
	calls := countedProduct(f, func() (*productapi.Product, error) { return sampleProduct(), nil })
	h := start(t, f, func(c *Config) { c.ProductCacheTTL = time.Minute })

	web := getProduct(h, nil)
	app := getProduct(h, map[string]string{headerClient: "app"})
	mini := getProduct(h, map[string]string{headerClient: "mini"})
	canaryWeb := getProduct(h, map[string]string{canary.Header: canary.HeaderAlways})
	if calls.Load() != 4 {
		t.Fatalf("product service asked %d times for 4 different answers, want 4", calls.Load())
	}
	// Each view keeps its own shape: the web view has the SKU's attributes, the app's
	// card does not.
	if !strings.Contains(string(web.body), `"attributes"`) || strings.Contains(string(app.body), `"attributes"`) {
		t.Fatalf("views mixed up:\nweb %s\napp %s", web.body, app.body)
	}
	if string(mini.body) == string(web.body) || string(canaryWeb.body) != string(web.body) {
		t.Fatalf("unexpected bodies:\nmini %s\ncanary %s\nweb %s", mini.body, canaryWeb.body, web.body)
	}
	getProduct(h, map[string]string{headerClient: "app"})
	getProduct(h, map[string]string{canary.Header: canary.HeaderAlways})
	if calls.Load() != 4 {
		t.Fatalf("product service asked %d times, want the 4 answers kept", calls.Load())
	}
}

func TestProductUpdateThroughTheGatewayForgetsItsAnswers(t *testing.T) {
	f := newFakes()
	name := atomic.Value{}
	name.Store("Mug")
	calls := countedProduct(f, func() (*productapi.Product, error) {
		p := sampleProduct()
		p.Name = name.Load().(string)
		return p, nil
	})
	f.products.updateProduct = func(_ context.Context, r *productapi.UpdateProductRequest) (*productapi.Product, error) {
		name.Store(*r.Name)
		p := sampleProduct()
		p.Name = *r.Name
		return p, nil
	}
	h := start(t, f, func(c *Config) { c.ProductCacheTTL = time.Minute })
	getProduct(h, nil)
	getProduct(h, map[string]string{headerClient: "app"})

	up := h.do(call{method: "PATCH", path: "/api/v1/admin/products/" + productID, token: h.admin(), body: map[string]any{"name": "Big Mug"}})
	if up.status != http.StatusOK {
		t.Fatalf("update: %d %s", up.status, up.body)
	}
	for _, header := range []map[string]string{nil, {headerClient: "app"}} {
		if a := getProduct(h, header); !strings.Contains(string(a.body), `"name":"Big Mug"`) {
			t.Fatalf("after the update (%v) the old answer is served: %s", header, a.body)
		}
	}
	if calls.Load() != 4 {
		t.Fatalf("product service asked %d times, want 2 before and 2 after the update", calls.Load())
	}
}

func TestUnknownProductIsKeptAsNotFoundAndFailuresAreNot(t *testing.T) {
	f := newFakes()
	var fail atomic.Bool
	calls := countedProduct(f, func() (*productapi.Product, error) {
		if fail.Load() {
			return nil, errs.New(errs.Unavailable)
		}
		return nil, errs.New(errs.ProductNotFound)
	})
	h := start(t, f, func(c *Config) { c.ProductCacheTTL = time.Minute })
	for range 3 {
		getProduct(h, nil).expectError(t, http.StatusNotFound, "PRODUCT_NOT_FOUND")
	}
	if calls.Load() != 1 {
		t.Fatalf("product service asked %d times about one unknown product, want 1", calls.Load())
	}

	// Another product, while the service fails: every read asks again.
	fail.Store(true)
	other := "/api/v1/products/0190f5a8-0000-7000-8000-000000000f02"
	for range 2 {
		a := h.do(call{method: "GET", path: other})
		a.expectError(t, http.StatusServiceUnavailable, "UNAVAILABLE")
		if a.header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
	}
	if calls.Load() != 3 {
		t.Fatalf("product service asked %d times, want a failure never kept", calls.Load())
	}
}

func TestProductCacheOffAsksEveryTime(t *testing.T) {
	f := newFakes()
	calls := countedProduct(f, func() (*productapi.Product, error) { return sampleProduct(), nil })
	h := start(t, f, func(c *Config) { c.ProductCacheTTL = 0 })
	var want productView
	for range 3 {
		a := getProduct(h, nil)
		if err := json.Unmarshal(a.body, &want); err != nil || want.ID != productID {
			t.Fatalf("answer %d %s: %v", a.status, a.body, err)
		}
	}
	if calls.Load() != 3 {
		t.Fatalf("product service asked %d times for 3 reads with the cache off, want 3", calls.Load())
	}
}

func TestProductCacheTTLIsBounded(t *testing.T) {
	for _, v := range []string{"-1s", "61s"} {
		_, err := config.LoadFrom[Config](EnvPrefix, map[string]string{"GATEWAY_PRODUCT_CACHE_TTL": v})
		if err == nil || !strings.Contains(err.Error(), "GATEWAY_PRODUCT_CACHE_TTL=") {
			t.Errorf("GATEWAY_PRODUCT_CACHE_TTL=%s: err %v, want it refused by name", v, err)
		}
	}
}
