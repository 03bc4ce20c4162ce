package gateway

import (
	"context"
	"log/slog"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/bind"
	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment/paymentservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

// api holds what the handlers need; each resource's handlers live in their own file
// and only translate between JSON and the services' Thrift types.
type api struct {
	users    userservice.Client
	products productservice.Client
	// productAnswers answers product detail, kept for a moment (productanswers.go).
	productAnswers *productAnswers
	orders         orderservice.Client
	payments       paymentservice.Client
	tokens         *token.Issuer
	bind           *bind.Binder
	log            *slog.Logger
	mqStats        MQStats // nil when the broker is not in this process
	logins         *loginDefence
	// revocations end access tokens on logout, before they expire.
	revocations revocations
}

func (a *api) fail(ctx context.Context, c *app.RequestContext, err error) { fail(ctx, a.log, c, err) }

// readBody binds the request body into dst and answers a refusal itself: false means
// the handler has nothing left to do, as with pathID. more carries violations found
// elsewhere (a header), so the client hears of all of them at once.
func (a *api) readBody(ctx context.Context, c *app.RequestContext, dst any, more ...errs.FieldViolation) bool {
	if err := a.bind.JSON(c, dst, more...); err != nil {
		a.fail(ctx, c, err)
		return false
	}
	return true
}

// readQuery binds the query parameters into dst, answering a refusal like readBody.
func (a *api) readQuery(ctx context.Context, c *app.RequestContext, dst any) bool {
	if err := a.bind.Query(c, dst); err != nil {
		a.fail(ctx, c, err)
		return false
	}
	return true
}

// reply ends a handler with what a service call returned: err is answered through
// fail, anything else as status and view(x). view runs only on success, when x is set.
func reply[T, V any](ctx context.Context, a *api, c *app.RequestContext, status int, x T, err error, view func(T) V) {
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(status, view(x))
}

// pathID reads an id path parameter. A malformed id cannot name anything, so it is
// answered like an unknown one, without a call to a service.
func pathID(c *app.RequestContext, notFound errs.Code) (string, bool) {
	id := c.Param("id")
	if !ids.Valid(id) {
		abortWith(c, errs.New(notFound))
		return "", false
	}
	return id, true
}

// pathSKU reads a SKU code path parameter, answered like pathID when malformed.
func pathSKU(c *app.RequestContext) (string, bool) {
	sku := c.Param("sku")
	if !ids.ValidSKU(sku) {
		abortWith(c, errs.New(errs.SkuNotFound))
		return "", false
	}
	return sku, true
}
