package gateway

import (
	"context"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
)

type cartLineView struct {
	SKU      string    `json:"sku"`
	Name     string    `json:"name"`
	Quantity int64     `json:"quantity"`
	Price    moneyJSON `json:"price"` // the unit price
}

type cartView struct {
	Lines []cartLineView `json:"lines"`
	Total moneyJSON      `json:"total"`
}

func cartOut(c *orderapi.Cart) cartView {
	lines := mapList(c.Lines, func(l *orderapi.CartLine) cartLineView {
		return cartLineView{SKU: l.Sku, Name: l.Name, Quantity: l.Quantity, Price: moneyOut(l.UnitPrice)}
	})
	return cartView{Lines: lines, Total: moneyOut(c.Total)}
}

type setCartItemBody struct {
	Quantity int64 `json:"quantity" validate:"between=1 99"`
}

func (a *api) getCart(ctx context.Context, c *app.RequestContext) {
	cart, err := a.orders.GetCart(ctx, &orderapi.GetCartRequest{UserId: callerID(c)})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, cartAnswer(c, cart))
}

// setCartItem sets the line's quantity (not adds to it), so a retried PUT is harmless.
func (a *api) setCartItem(ctx context.Context, c *app.RequestContext) {
	sku, ok := pathSKU(c)
	if !ok {
		return
	}
	var body setCartItemBody
	if err := a.val.bindJSON(c, &body); err != nil {
		a.fail(ctx, c, err)
		return
	}
	cart, err := a.orders.SetCartItem(ctx, &orderapi.SetCartItemRequest{UserId: callerID(c), Sku: sku, Quantity: body.Quantity})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, cartAnswer(c, cart))
}

func (a *api) removeCartItem(ctx context.Context, c *app.RequestContext) {
	sku, ok := pathSKU(c)
	if !ok {
		return
	}
	cart, err := a.orders.RemoveCartItem(ctx, &orderapi.RemoveCartItemRequest{UserId: callerID(c), Sku: sku})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, cartAnswer(c, cart))
}
