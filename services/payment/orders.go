package payment

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	domain "github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
)

// orderServiceName is the order service's name in the registry.
const orderServiceName = "order"

// orders adapts the order service's Kitex client to payment.Orders.
type orders struct {
	client orderservice.Client
	log    *slog.Logger
}

var _ domain.Orders = (*orders)(nil)

func newOrders(deps Deps, timeout time.Duration) (*orders, error) {
	c, err := orderservice.NewClient(orderServiceName, suite.ClientOptions(deps.Registry, timeout, deps.Telemetry)...)
	if err != nil {
		return nil, fmt.Errorf("payment: order client: %w", err)
	}
	return &orders{client: c, log: deps.Logger}, nil
}

// Get reads the order as its owner would. ORDER_NOT_FOUND becomes the domain's sentinel;
// any other failure keeps its catalogued code (UNAVAILABLE for a timeout) for the caller.
func (o *orders) Get(ctx context.Context, orderID, userID string) (domain.Order, error) {
	resp, err := o.client.GetOrder(ctx, &orderapi.GetOrderRequest{OrderId: orderID, UserId: userID})
	if err != nil {
		e := errs.FromRPC(err)
		if e.Code.Name == errs.OrderNotFound.Name {
			return domain.Order{}, domain.ErrOrderNotFound
		}
		o.log.WarnContext(ctx, "order service: GetOrder failed", "order_id", orderID, "code", e.Code.Name, "err", err)
		return domain.Order{}, e
	}
	return toDomainOrder(resp)
}

func toDomainOrder(o *orderapi.Order) (domain.Order, error) {
	if o == nil || o.Total == nil {
		return domain.Order{}, fmt.Errorf("payment: order service answered an order without a total")
	}
	total, err := money.New(o.Total.AmountCents, o.Total.Currency)
	if err != nil {
		return domain.Order{}, fmt.Errorf("payment: order %s has an invalid total: %w", o.Id, err)
	}
	return domain.Order{ID: o.Id, UserID: o.UserId, Status: o.Status, Total: total}, nil
}
