package gateway

import (
	"context"
	"log/slog"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment/paymentservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
)

// api holds what the handlers need; each resource's handlers live in their own file
// and only translate between JSON and the services' Thrift types.
type api struct {
	users    userservice.Client
	products productservice.Client
	orders   orderservice.Client
	payments paymentservice.Client
	tokens   *token.Issuer
	val      *validation
	log      *slog.Logger
	mqStats  MQStats // nil when the broker is not in this process
	logins   *loginDefence
	// revocations end access tokens on logout, before they expire.
	revocations revocations
}

func (a *api) fail(ctx context.Context, c *app.RequestContext, err error) { fail(ctx, a.log, c, err) }
