package gateway

import (
	"context"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
)

type adjustStockBody struct {
	// A million either way catches a typed extra digit or two, not real restocks.
	Delta  int64  `json:"delta" validate:"ne=0,between=-1000000 1000000"`
	Reason string `json:"reason" validate:"required,line,max=200"`
}

type stockView struct {
	SKU       string `json:"sku"`
	Available int64  `json:"available"`
	Reserved  int64  `json:"reserved"`
	Sold      int64  `json:"sold"`
}

func stockOut(s *productapi.Stock) stockView {
	return stockView{SKU: s.Sku, Available: s.Available, Reserved: s.Reserved, Sold: s.Sold}
}

func (a *api) getStock(ctx context.Context, c *app.RequestContext) {
	sku, ok := pathSKU(c)
	if !ok {
		return
	}
	s, err := a.products.GetStock(ctx, &productapi.GetStockRequest{Sku: sku})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, stockOut(s))
}

// adjustStock records the admin as the actor, from the token, never from the body.
// The Idempotency-Key header is optional here (the route predates it): with one, a
// retry adjusts nothing and answers 200 with the stock as it is now.
func (a *api) adjustStock(ctx context.Context, c *app.RequestContext) {
	sku, ok := pathSKU(c)
	if !ok {
		return
	}
	key, keyProblems := optionalIdempotencyKey(c)
	var body adjustStockBody
	if err := a.val.bindJSON(c, &body, keyProblems...); err != nil {
		a.fail(ctx, c, err)
		return
	}
	s, err := a.products.AdjustStock(ctx, &productapi.AdjustStockRequest{
		Sku: sku, Delta: body.Delta, Reason: body.Reason, ActorId: callerID(c), IdempotencyKey: key,
	})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, stockOut(s))
}
