package gateway

import (
	"context"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
)

// createCategoryBody is checked here for shape; the product service trims the name,
// refuses control characters and answers CATEGORY_TAKEN for a name in use in any case.
type createCategoryBody struct {
	Name string `json:"name" validate:"required,line,max=100"`
}

func (a *api) createCategory(ctx context.Context, c *app.RequestContext) {
	var body createCategoryBody
	if !a.readBody(ctx, c, &body) {
		return
	}
	cat, err := a.products.CreateCategory(ctx, &productapi.CreateCategoryRequest{Name: body.Name})
	reply(ctx, a, c, http.StatusCreated, cat, err, categoryOut)
}
