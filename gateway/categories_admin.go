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
	if err := a.val.bindJSON(c, &body); err != nil {
		a.fail(ctx, c, err)
		return
	}
	cat, err := a.products.CreateCategory(ctx, &productapi.CreateCategoryRequest{Name: body.Name})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusCreated, categoryOut(cat))
}
