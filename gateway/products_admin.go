package gateway

import (
	"context"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

type newSKUBody struct {
	SKU        string            `json:"sku" validate:"required,sku"`
	Attributes map[string]string `json:"attributes" validate:"max=20,dive,keys,line,max=40,endkeys,text,max=100"`
	Price      *moneyBody        `json:"price" validate:"required"`
}

type createProductBody struct {
	Name        string       `json:"name" validate:"required,line,max=200"`
	Description string       `json:"description" validate:"max=5000"`
	CategoryID  string       `json:"category_id" validate:"required,id"`
	SKUs        []newSKUBody `json:"skus" validate:"required,min=1,max=50,dive"`
}

func (b createProductBody) thrift() *productapi.CreateProductRequest {
	skus := mapList(b.SKUs, func(s newSKUBody) *productapi.NewSku_ {
		return &productapi.NewSku_{Sku: s.SKU, Attributes: s.Attributes, Price: s.Price.thrift()}
	})
	return &productapi.CreateProductRequest{Name: b.Name, Description: b.Description, CategoryId: b.CategoryID, Skus: skus}
}

// updateProductBody changes only the fields present.
type updateProductBody struct {
	Name        *string              `json:"name" validate:"omitempty,line,max=200"`
	Description *string              `json:"description" validate:"omitempty,max=5000"`
	CategoryID  *string              `json:"category_id" validate:"omitempty,id"`
	Active      *bool                `json:"active"`
	Prices      map[string]moneyBody `json:"prices" validate:"omitempty,max=50,dive,keys,sku,endkeys"`
}

func (b updateProductBody) thrift(id string) *productapi.UpdateProductRequest {
	req := &productapi.UpdateProductRequest{Id: id, Name: b.Name, Description: b.Description, CategoryId: b.CategoryID, Active: b.Active}
	if b.Prices != nil {
		req.Prices = make(map[string]*baseapi.Money, len(b.Prices))
		for sku, m := range b.Prices {
			req.Prices[sku] = m.thrift()
		}
	}
	return req
}

func (a *api) createProduct(ctx context.Context, c *app.RequestContext) {
	var body createProductBody
	if !a.readBody(ctx, c, &body) {
		return
	}
	p, err := a.products.CreateProduct(ctx, body.thrift())
	reply(ctx, a, c, http.StatusCreated, p, err, productOut)
}

func (a *api) updateProduct(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.ProductNotFound)
	if !ok {
		return
	}
	var body updateProductBody
	if !a.readBody(ctx, c, &body) {
		return
	}
	p, err := a.products.UpdateProduct(ctx, body.thrift(id))
	// Forgotten after an error too: an error can hide a change that committed.
	if ferr := a.productAnswers.forget(ctx, id); ferr != nil {
		a.log.ErrorContext(ctx, "product answers kept after an update", "product_id", id, "err", ferr)
	}
	reply(ctx, a, c, http.StatusOK, p, err, productOut)
}
