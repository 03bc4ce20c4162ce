package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	"github.com/cartwheel-shop/cartwheel/pkg/cache"
	"github.com/cartwheel-shop/cartwheel/pkg/canary"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
)

// productAnswers keeps the product detail answers this gateway gave, as the JSON sent,
// for a short while (GATEWAY_PRODUCT_CACHE_TTL): the busiest read of the shop is then
// one Hertz answer instead of a Hertz answer and a Kitex call (docs/decisions.md,
// "Product detail in the gateway"). The availability in a kept answer can be as old as
// the TTL; whether an order gets the stock is decided by the order, never by this page.
// One entry per product, client view and release (stable or canary), in memory under a
// byte budget; an unknown product is kept as not-found for the same TTL.
type productAnswers struct {
	products productservice.Client
	cache    *cache.ReadThrough[json.RawMessage] // nil: off
}

// productAnswersBytes is the memory the kept answers may take: about 8,000 products
// in every view at ~2 KB each.
const productAnswersBytes = 48 << 20

// productViews lists every client view, so an update can forget them all.
var productViews = []clientType{clientWeb, clientApp, clientMini}

func newProductAnswers(products productservice.Client, ttl time.Duration, tel *obs.Telemetry, log *slog.Logger) (*productAnswers, error) {
	a := &productAnswers{products: products}
	if ttl <= 0 {
		return a, nil
	}
	looked, err := cache.CountLookups(tel.For("gateway"), "gateway_product")
	if err != nil {
		return nil, err
	}
	a.cache, err = cache.NewReadThrough[json.RawMessage](cache.NewMemory(productAnswersBytes, nil), cache.Options{
		TTL: ttl, NegativeTTL: ttl, Jitter: 0.1, Logger: log, Looked: looked,
	})
	return a, err
}

func productAnswerKey(id string, view clientType, canaryRelease bool) string {
	release := "stable"
	if canaryRelease {
		release = "canary"
	}
	return "product:" + id + ":" + string(view) + ":" + release
}

// get is the JSON answer for product id in the view of the client of c.
func (a *productAnswers) get(ctx context.Context, c *app.RequestContext, id string) (json.RawMessage, error) {
	view := clientOf(c)
	load := func(ctx context.Context) (json.RawMessage, error) {
		p, err := a.products.GetProduct(ctx, &productapi.GetProductRequest{Id: id})
		if err != nil {
			if e := errs.FromRPC(err); e.Code == errs.ProductNotFound {
				return nil, cache.ErrNotFound
			}
			return nil, err
		}
		return json.Marshal(view.product(p))
	}
	if a.cache == nil {
		return load(ctx)
	}
	return a.cache.Get(ctx, productAnswerKey(id, view, canary.Chosen(ctx)), load)
}

// forget drops every kept answer for product id, after an update through this
// gateway; other replicas serve theirs until the TTL ends.
func (a *productAnswers) forget(ctx context.Context, id string) error {
	if a.cache == nil {
		return nil
	}
	var problems []error
	for _, view := range productViews {
		for _, canaryRelease := range []bool{false, true} {
			problems = append(problems, a.cache.Invalidate(ctx, productAnswerKey(id, view, canaryRelease)))
		}
	}
	return errors.Join(problems...)
}
