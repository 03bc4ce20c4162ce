package gateway

import (
	"context"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

type orderLineView struct {
	SKU       string    `json:"sku"`
	Name      string    `json:"name"`
	Quantity  int64     `json:"quantity"`
	UnitPrice moneyJSON `json:"unit_price"`
}

type shippingAddressView struct {
	Recipient  string `json:"recipient"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	Region     string `json:"region"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
	Phone      string `json:"phone"`
}

type shipmentView struct {
	Carrier    string `json:"carrier"`
	TrackingNo string `json:"tracking_no"`
	ShippedAt  string `json:"shipped_at"`
}

type orderView struct {
	ID              string              `json:"id"`
	Status          string              `json:"status"`
	CancelReason    string              `json:"cancel_reason"`
	Lines           []orderLineView     `json:"lines"`
	Total           moneyJSON           `json:"total"`
	Address         shippingAddressView `json:"address"`
	Shipment        *shipmentView       `json:"shipment,omitempty"`
	PaymentDeadline *string             `json:"payment_deadline"`
	CreatedAt       string              `json:"created_at"`
	UpdatedAt       string              `json:"updated_at"`
}

func orderOut(o *orderapi.Order) orderView {
	v := orderView{
		ID: o.Id, Status: o.Status, CancelReason: o.CancelReason, Total: moneyOut(o.Total),
		Lines: mapList(o.Lines, func(l *orderapi.OrderLine) orderLineView {
			return orderLineView{SKU: l.Sku, Name: l.Name, Quantity: l.Quantity, UnitPrice: moneyOut(l.UnitPrice)}
		}),
		PaymentDeadline: optionalTime(o.PaymentDeadlineMs),
		CreatedAt:       timeOut(o.CreatedAtMs),
		UpdatedAt:       timeOut(o.UpdatedAtMs),
	}
	if a := o.Address; a != nil {
		v.Address = shippingAddressView{
			Recipient: a.Recipient, Line1: a.Line1, Line2: deref(a.Line2), City: a.City,
			Region: deref(a.Region), PostalCode: a.PostalCode, Country: a.Country, Phone: deref(a.Phone),
		}
	}
	if s := o.Shipment; s != nil {
		v.Shipment = &shipmentView{Carrier: s.Carrier, TrackingNo: s.TrackingNo, ShippedAt: timeOut(s.ShippedAtMs)}
	}
	return v
}

type lineBody struct {
	SKU      string `json:"sku" validate:"required,sku"`
	Quantity int64  `json:"quantity" validate:"between=1 99"`
}

type createOrderBody struct {
	Lines     []lineBody `json:"lines" validate:"max=50,dive"`
	FromCart  bool       `json:"from_cart"`
	AddressID string     `json:"address_id" validate:"required,id"`
}

// crossFieldViolations: an order is made from explicit lines or from the cart, not both.
func (b createOrderBody) crossFieldViolations() []errs.FieldViolation {
	switch {
	case b.FromCart && len(b.Lines) > 0:
		return []errs.FieldViolation{{Field: "lines", Reason: "must be absent when from_cart is true"}}
	case !b.FromCart && len(b.Lines) == 0:
		return []errs.FieldViolation{{Field: "lines", Reason: "is required unless from_cart is true"}}
	}
	return nil
}

func (b createOrderBody) thrift(userID, key string) *orderapi.CreateOrderRequest {
	req := &orderapi.CreateOrderRequest{UserId: userID, IdempotencyKey: key, AddressId: b.AddressID}
	if b.FromCart {
		req.FromCart = &b.FromCart
		return req
	}
	req.Lines = mapList(b.Lines, func(l lineBody) *orderapi.LineRequest {
		return &orderapi.LineRequest{Sku: l.SKU, Quantity: l.Quantity}
	})
	return req
}

type listOrdersQuery struct {
	Status    string `json:"status" validate:"omitempty,oneof=PENDING AWAITING_PAYMENT PAID SHIPPED RECEIVED COMPLETED CANCELLED REFUNDED"`
	PageSize  *int32 `json:"page_size" validate:"omitempty,between=1 100"`
	PageToken string `json:"page_token" validate:"max=512"`
}

type shipBody struct {
	Carrier    string `json:"carrier" validate:"required,line,max=50"`
	TrackingNo string `json:"tracking_no" validate:"required,line,max=100"`
}

// createOrder answers 201 for a new order and 200 for a replay of the same request.
func (a *api) createOrder(ctx context.Context, c *app.RequestContext) {
	key, keyProblems := idempotencyKey(c)
	var body createOrderBody
	if err := a.val.bindJSON(c, &body, keyProblems...); err != nil {
		a.fail(ctx, c, err)
		return
	}
	resp, err := a.orders.CreateOrder(ctx, body.thrift(callerID(c), key))
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	status := http.StatusCreated
	if resp.Replayed {
		status = http.StatusOK
	}
	c.JSON(status, orderAnswer(c, resp.Order))
}

func (a *api) listOrders(ctx context.Context, c *app.RequestContext) {
	var q listOrdersQuery
	if err := a.val.bindQuery(c, &q); err != nil {
		a.fail(ctx, c, err)
		return
	}
	resp, err := a.orders.ListOrders(ctx, &orderapi.ListOrdersRequest{
		UserId: callerID(c), Status: optional(q.Status), PageSize: q.PageSize, PageToken: optional(q.PageToken),
	})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, orderPageAnswer(c, resp))
}

func (a *api) getOrder(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.OrderNotFound)
	if !ok {
		return
	}
	o, err := a.orders.GetOrder(ctx, &orderapi.GetOrderRequest{OrderId: id, UserId: callerID(c)})
	a.answerOrder(ctx, c, o, err)
}

func (a *api) cancelOrder(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.OrderNotFound)
	if !ok {
		return
	}
	o, err := a.orders.CancelOrder(ctx, &orderapi.CancelOrderRequest{OrderId: id, UserId: callerID(c)})
	a.answerOrder(ctx, c, o, err)
}

func (a *api) confirmReceipt(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.OrderNotFound)
	if !ok {
		return
	}
	o, err := a.orders.ConfirmReceipt(ctx, &orderapi.ConfirmReceiptRequest{OrderId: id, UserId: callerID(c)})
	a.answerOrder(ctx, c, o, err)
}

// shipOrder is the admin's: ShipOrder carries no user id, any order may be shipped.
func (a *api) shipOrder(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.OrderNotFound)
	if !ok {
		return
	}
	var body shipBody
	if err := a.val.bindJSON(c, &body); err != nil {
		a.fail(ctx, c, err)
		return
	}
	o, err := a.orders.ShipOrder(ctx, &orderapi.ShipOrderRequest{OrderId: id, Carrier: body.Carrier, TrackingNo: body.TrackingNo})
	a.answerOrder(ctx, c, o, err)
}

func (a *api) answerOrder(ctx context.Context, c *app.RequestContext, o *orderapi.Order, err error) {
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, orderAnswer(c, o))
}
