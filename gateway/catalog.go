package gateway

import (
	"context"
	"errors"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/pkg/cache"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

type categoryView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func categoryOut(c *productapi.Category) categoryView {
	if c == nil {
		return categoryView{}
	}
	return categoryView{ID: c.Id, Name: c.Name}
}

type skuView struct {
	SKU        string            `json:"sku"`
	Attributes map[string]string `json:"attributes"`
	Price      moneyJSON         `json:"price"`
	Available  int64             `json:"available"`
	Active     bool              `json:"active"`
}

func skuOut(s *productapi.Sku) skuView {
	attrs := s.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	return skuView{SKU: s.Sku, Attributes: attrs, Price: moneyOut(s.Price), Available: s.Available, Active: s.Active}
}

type productView struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Category    categoryView `json:"category"`
	SKUs        []skuView    `json:"skus"`
	Active      bool         `json:"active"`
	CreatedAt   string       `json:"created_at"`
	UpdatedAt   string       `json:"updated_at"`
}

func productOut(p *productapi.Product) productView {
	return productView{
		ID: p.Id, Name: p.Name, Description: p.Description, Category: categoryOut(p.Category),
		SKUs: mapList(p.Skus, skuOut), Active: p.Active,
		CreatedAt: timeOut(p.CreatedAtMs), UpdatedAt: timeOut(p.UpdatedAtMs),
	}
}

type listProductsQuery struct {
	Q         string `json:"q" validate:"max=100"` // the product service's limit, checked here to name the field as sent
	Category  string `json:"category" validate:"omitempty,id"`
	Sort      string `json:"sort" validate:"omitempty,oneof=newest price_asc price_desc"`
	PageSize  *int32 `json:"page_size" validate:"omitempty,between=1 100"`
	PageToken string `json:"page_token" validate:"max=512"`
}

func categoryListOut(resp *productapi.ListCategoriesResponse) list[categoryView] {
	return list[categoryView]{Items: mapList(resp.Items, categoryOut)}
}

func productPageOut(resp *productapi.ListProductsResponse) page[productView] {
	return page[productView]{Items: mapList(resp.Items, productOut), NextPageToken: resp.NextPageToken}
}

func (a *api) listCategories(ctx context.Context, c *app.RequestContext) {
	resp, err := a.products.ListCategories(ctx, &productapi.Empty{})
	reply(ctx, a, c, http.StatusOK, resp, err, categoryListOut)
}

func (a *api) listProducts(ctx context.Context, c *app.RequestContext) {
	var q listProductsQuery
	if !a.readQuery(ctx, c, &q) {
		return
	}
	resp, err := a.products.ListProducts(ctx, &productapi.ListProductsRequest{
		Query: optional(q.Q), CategoryId: optional(q.Category), Sort: optional(q.Sort),
		PageSize: q.PageSize, PageToken: optional(q.PageToken),
	})
	reply(ctx, a, c, http.StatusOK, resp, err, clientOf(c).productPage)
}

func (a *api) getProduct(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.ProductNotFound)
	if !ok {
		return
	}
	body, err := a.productAnswers.get(ctx, c, id)
	switch {
	case errors.Is(err, cache.ErrNotFound):
		abortWith(c, errs.New(errs.ProductNotFound))
	case err != nil:
		a.fail(ctx, c, err)
	default:
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	}
}
