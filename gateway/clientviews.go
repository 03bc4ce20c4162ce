package gateway

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// A view per client: the mobile app, the mini-program and the web shop ask for the
// same resources but show them differently. The client names itself in X-Client and
// the gateway shapes one domain answer for it:
//
//	web  (default) full detail everywhere: every SKU with its attributes.
//	app  product lists as cards; a product as a card with its SKUs (no attributes);
//	     order lists as summaries; carts and orders in full.
//	mini cards for products, summaries for carts and orders: the smallest answers.
//
// A clientType's methods are the views a handler passes to reply: clientOf(c).cart.
type clientType string

const (
	clientWeb  clientType = "web"
	clientApp  clientType = "app"
	clientMini clientType = "mini"

	headerClient = "X-Client"
	keyClient    = "cartwheel.client"
)

// clientKind reads X-Client on a route whose answer it shapes; an unknown client is
// refused rather than guessed, so a typo shows at once instead of as a surprising shape.
// The answer depends on the header, so it says so (Vary): a cache in between must not
// hand the app's card to the web shop.
func clientKind() app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		c.Response.Header.Add("Vary", headerClient)
		switch v := clientType(c.GetHeader(headerClient)); v {
		case "":
			c.Set(keyClient, clientWeb)
		case clientWeb, clientApp, clientMini:
			c.Set(keyClient, v)
		default:
			abortWith(c, errs.Invalid(errs.FieldViolation{Field: headerClient, Reason: "must be one of: app, mini, web"}))
			return
		}
		c.Next(ctx)
	}
}

// clientOf is the client a handler shapes its answer for (clientKind read it).
func clientOf(c *app.RequestContext) clientType {
	if k, ok := c.Value(keyClient).(clientType); ok {
		return k
	}
	return clientWeb
}

// productCardView is a product as a list tile: what it is, from what price, in stock.
type productCardView struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Category  string        `json:"category"`
	PriceFrom moneyJSON     `json:"price_from"`
	InStock   bool          `json:"in_stock"`
	SKUs      []skuCardView `json:"skus,omitempty"`
}

type skuCardView struct {
	SKU       string    `json:"sku"`
	Price     moneyJSON `json:"price"`
	Available int64     `json:"available"`
}

func productCardOut(p *productapi.Product, withSKUs bool) productCardView {
	v := productCardView{ID: p.Id, Name: p.Name}
	if p.Category != nil {
		v.Category = p.Category.Name
	}
	first := true
	for _, s := range p.Skus {
		if !s.Active {
			continue
		}
		price := moneyOut(s.Price)
		if first || price.AmountCents < v.PriceFrom.AmountCents {
			v.PriceFrom, first = price, false
		}
		v.InStock = v.InStock || s.Available > 0
		if withSKUs {
			v.SKUs = append(v.SKUs, skuCardView{SKU: s.Sku, Price: price, Available: s.Available})
		}
	}
	return v
}

func (k clientType) product(p *productapi.Product) any {
	switch k {
	case clientApp:
		return productCardOut(p, true)
	case clientMini:
		return productCardOut(p, false)
	}
	return productOut(p)
}

func (k clientType) productPage(resp *productapi.ListProductsResponse) any {
	if k == clientWeb {
		return productPageOut(resp)
	}
	cards := mapList(resp.Items, func(p *productapi.Product) productCardView { return productCardOut(p, false) })
	return page[productCardView]{Items: cards, NextPageToken: resp.NextPageToken}
}

// cartSummaryView and orderSummaryView are a cart and an order in one line.
type cartSummaryView struct {
	ItemCount int64     `json:"item_count"`
	Total     moneyJSON `json:"total"`
}

type orderSummaryView struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	ItemCount int64     `json:"item_count"`
	Total     moneyJSON `json:"total"`
	CreatedAt string    `json:"created_at"`
}

func (k clientType) cart(cart *orderapi.Cart) any {
	if k != clientMini {
		return cartOut(cart)
	}
	v := cartSummaryView{Total: moneyOut(cart.Total)}
	for _, l := range cart.Lines {
		v.ItemCount += l.Quantity
	}
	return v
}

func orderSummaryOut(o *orderapi.Order) orderSummaryView {
	v := orderSummaryView{ID: o.Id, Status: o.Status, Total: moneyOut(o.Total), CreatedAt: timeOut(o.CreatedAtMs)}
	for _, l := range o.Lines {
		v.ItemCount += l.Quantity
	}
	return v
}

func (k clientType) order(o *orderapi.Order) any {
	if k == clientMini {
		return orderSummaryOut(o)
	}
	return orderOut(o)
}

func (k clientType) orderPage(resp *orderapi.ListOrdersResponse) any {
	if k == clientWeb {
		return orderPageOut(resp)
	}
	return page[orderSummaryView]{Items: mapList(resp.Items, orderSummaryOut), NextPageToken: resp.NextPageToken}
}
