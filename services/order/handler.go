package order

import (
	"context"
	"errors"
	"log/slog"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	domain "github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

// errorTable maps the domain's sentinels to the catalog; the first match wins, so the
// more specific ErrStockNotSettled comes before ErrIllegalTransition.
var errorTable = []errs.Mapping{
	{Err: domain.ErrNotFound, Code: errs.OrderNotFound},
	{Err: domain.ErrStockNotSettled, Code: errs.OrderStateConflict},
	{Err: domain.ErrIllegalTransition, Code: errs.OrderStateConflict},
	{Err: domain.ErrConcurrentUpdate, Code: errs.OrderStateConflict},
	{Err: domain.ErrIdempotencyKeyReused, Code: errs.IdempotencyKeyReused},
	{Err: domain.ErrCartEmpty, Code: errs.CartEmpty},
	{Err: domain.ErrCartFull, Code: errs.CartFull},
	{Err: domain.ErrSkuNotFound, Code: errs.SkuNotFound},
	{Err: domain.ErrSkuUnavailable, Code: errs.SkuUnavailable},
	{Err: domain.ErrStockInsufficient, Code: errs.StockInsufficient},
	{Err: domain.ErrAddressNotFound, Code: errs.AddressNotFound},
}

// handler is the Kitex face of the domain: convert, call, convert back.
type handler struct {
	orders *domain.Service
	log    *slog.Logger
}

var _ orderapi.OrderService = (*handler)(nil)

func newHandler(orders *domain.Service, log *slog.Logger) *handler {
	return &handler{orders: orders, log: log}
}

func (h *handler) GetCart(ctx context.Context, req *orderapi.GetCartRequest) (*orderapi.Cart, error) {
	c, err := h.orders.GetCart(ctx, req.UserId)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftCart(c), nil
}

func (h *handler) SetCartItem(ctx context.Context, req *orderapi.SetCartItemRequest) (*orderapi.Cart, error) {
	c, err := h.orders.SetCartItem(ctx, req.UserId, req.Sku, req.Quantity)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftCart(c), nil
}

func (h *handler) RemoveCartItem(ctx context.Context, req *orderapi.RemoveCartItemRequest) (*orderapi.Cart, error) {
	c, err := h.orders.RemoveCartItem(ctx, req.UserId, req.Sku)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftCart(c), nil
}

func (h *handler) CreateOrder(ctx context.Context, req *orderapi.CreateOrderRequest) (*orderapi.CreateOrderResponse, error) {
	o, replayed, err := h.orders.CreateOrder(ctx, toDomainCreate(req))
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return &orderapi.CreateOrderResponse{Order: toThriftOrder(o), Replayed: replayed}, nil
}

func (h *handler) GetOrder(ctx context.Context, req *orderapi.GetOrderRequest) (*orderapi.Order, error) {
	return h.one(ctx)(h.orders.GetOrder(ctx, req.OrderId, req.UserId))
}

func (h *handler) ListOrders(ctx context.Context, req *orderapi.ListOrdersRequest) (*orderapi.ListOrdersResponse, error) {
	page, err := h.orders.ListOrders(ctx, toDomainList(req))
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	items := make([]*orderapi.Order, len(page.Orders))
	for i, o := range page.Orders {
		items[i] = toThriftOrder(o)
	}
	return &orderapi.ListOrdersResponse{Items: items, NextPageToken: page.NextPageToken}, nil
}

func (h *handler) CancelOrder(ctx context.Context, req *orderapi.CancelOrderRequest) (*orderapi.Order, error) {
	return h.one(ctx)(h.orders.CancelOrder(ctx, req.OrderId, req.UserId))
}

func (h *handler) ShipOrder(ctx context.Context, req *orderapi.ShipOrderRequest) (*orderapi.Order, error) {
	return h.one(ctx)(h.orders.ShipOrder(ctx, req.OrderId, req.Carrier, req.TrackingNo))
}

func (h *handler) ConfirmReceipt(ctx context.Context, req *orderapi.ConfirmReceiptRequest) (*orderapi.Order, error) {
	return h.one(ctx)(h.orders.ConfirmReceipt(ctx, req.OrderId, req.UserId))
}

// one answers the methods that return a single order.
func (h *handler) one(ctx context.Context) func(*domain.Order, error) (*orderapi.Order, error) {
	return func(o *domain.Order, err error) (*orderapi.Order, error) {
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return toThriftOrder(o), nil
	}
}

// fail answers a failed call the one way every service does (suite.Fail), naming the
// SKU of a catalog refusal so the client knows which line to fix.
func (h *handler) fail(ctx context.Context, err error) error {
	var sku *domain.SkuError
	if errors.As(err, &sku) {
		for _, m := range errorTable {
			if errors.Is(sku.Err, m.Err) {
				return errs.Newf(m.Code, "%s", sku.Error()).ToBiz() // names the SKU to fix
			}
		}
	}
	return suite.Fail(ctx, h.log, err, errorTable)
}

func toDomainCreate(req *orderapi.CreateOrderRequest) domain.CreateRequest {
	lines := make([]domain.LineRequest, len(req.Lines))
	for i, l := range req.Lines {
		if l != nil {
			lines[i] = domain.LineRequest{SKU: l.Sku, Quantity: l.Quantity}
		}
	}
	return domain.CreateRequest{
		UserID: req.UserId, IdempotencyKey: req.IdempotencyKey, Lines: lines,
		FromCart: req.GetFromCart(), AddressID: req.AddressId,
	}
}

func toDomainList(req *orderapi.ListOrdersRequest) domain.ListRequest {
	return domain.ListRequest{
		UserID: req.UserId, Status: req.GetStatus(), PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken(),
	}
}

func toThriftOrder(o *domain.Order) *orderapi.Order {
	s := o.Snapshot()
	out := &orderapi.Order{
		Id: s.ID, UserId: s.UserID, Status: string(s.Status), CancelReason: string(s.CancelReason),
		Lines: toThriftLines(s.Lines), Total: toThriftMoney(s.Total), Address: toThriftAddress(s.Address),
		PaymentDeadlineMs: s.PaymentDeadline.UnixMilli(),
		CreatedAtMs:       s.CreatedAt.UnixMilli(), UpdatedAtMs: s.UpdatedAt.UnixMilli(),
	}
	if sh := s.Shipment; sh != nil {
		out.Shipment = &orderapi.Shipment{Carrier: sh.Carrier, TrackingNo: sh.TrackingNo, ShippedAtMs: sh.ShippedAt.UnixMilli()}
	}
	return out
}

func toThriftLines(lines []domain.Line) []*orderapi.OrderLine {
	out := make([]*orderapi.OrderLine, len(lines))
	for i, l := range lines {
		out[i] = &orderapi.OrderLine{Sku: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: toThriftMoney(l.UnitPrice)}
	}
	return out
}

func toThriftCart(c domain.Cart) *orderapi.Cart {
	lines := make([]*orderapi.CartLine, len(c.Lines))
	for i, l := range c.Lines {
		lines[i] = &orderapi.CartLine{Sku: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: toThriftMoney(l.UnitPrice)}
	}
	return &orderapi.Cart{Lines: lines, Total: toThriftMoney(c.Total)}
}

func toThriftAddress(a domain.Address) *orderapi.ShippingAddress {
	return &orderapi.ShippingAddress{
		Recipient: a.Recipient, Line1: a.Line1, Line2: optional(a.Line2), City: a.City, Region: optional(a.Region),
		PostalCode: a.PostalCode, Country: a.Country, Phone: optional(a.Phone),
	}
}

func toThriftMoney(m money.Money) *baseapi.Money {
	return &baseapi.Money{AmountCents: m.Cents, Currency: m.Currency}
}

// optional leaves an empty optional field unset rather than set to "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
