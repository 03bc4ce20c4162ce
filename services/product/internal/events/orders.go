// Package events is the product service's side of the consistency protocol
// (ARCHITECTURE.md §5): it consumes order.created, order.paid and order.cancelled, and
// encodes the answer to order.created, stock.reserved or stock.rejected, which the store
// sends as a transactional message committed with the decision it announces.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
)

// Group names on the broker.
const (
	ConsumerGroup = "product-svc"
	ProducerGroup = "product-tx"
)

// Orders handles the order topic.
type Orders struct {
	stock *stock.Service
	log   *slog.Logger
}

// NewOrders returns the order-topic handlers.
func NewOrders(st *stock.Service, log *slog.Logger) *Orders {
	return &Orders{stock: st, log: log.With("component", "events.orders")}
}

// Subscribe registers the handlers on c. One subscription covers every tag because a
// consumer holds one subscription per topic.
func (o *Orders) Subscribe(c mq.Consumer) error {
	tags := eventsapi.TAG_CREATED + " || " + eventsapi.TAG_PAID + " || " + eventsapi.TAG_CANCELLED
	return c.Subscribe(eventsapi.TOPIC_ORDER, tags, o.Handle)
}

// Handle dispatches one order message by tag. nil acknowledges it; an error asks for
// redelivery, which only a transient failure (the database) deserves.
func (o *Orders) Handle(ctx context.Context, msg *mq.Delivered) error {
	switch msg.Tags {
	case eventsapi.TAG_CREATED:
		return o.created(ctx, msg)
	case eventsapi.TAG_PAID:
		return o.paid(ctx, msg)
	case eventsapi.TAG_CANCELLED:
		return o.cancelled(ctx, msg)
	}
	return nil // a tag this service does not subscribe to
}

// created decides the order's stock and announces the decision in the same transaction.
func (o *Orders) created(ctx context.Context, msg *mq.Delivered) error {
	var body eventsapi.OrderCreated
	if !o.decode(msg, &body) {
		return nil
	}
	order, err := stock.NewOrder(body.OrderId, toDomainLines(body.Lines))
	if err != nil {
		o.poison(msg, err)
		return nil
	}
	log := o.log.With("order_id", order.ID(), "message_id", msg.ID)
	_, decided, err := o.stock.Decision(ctx, order.ID())
	if err != nil {
		return err
	}
	if decided {
		log.Info("order.created seen before; its outcome was already sent")
		return nil
	}
	d, err := o.stock.Reserve(ctx, order)
	switch {
	case err == nil:
		log.Info("stock decided", "outcome", d.Outcome, "sku", d.SKU, "reason", d.Reason)
		return nil
	case errors.Is(err, stock.ErrAlreadyDecided):
		log.Info("order.created decided by a concurrent delivery")
		return nil
	default:
		return fmt.Errorf("events: deciding stock of order %s: %w", order.ID(), err)
	}
}

// paid turns the order's reservations into sales; a redelivery finds none active.
func (o *Orders) paid(ctx context.Context, msg *mq.Delivered) error {
	var body eventsapi.OrderPaid
	if !o.decode(msg, &body) {
		return nil
	}
	if !stock.ValidOrderID(body.OrderId) {
		o.poison(msg, stock.ErrBadOrderID)
		return nil
	}
	n, err := o.stock.SellOrder(ctx, body.OrderId)
	if err != nil {
		return fmt.Errorf("events: selling order %s: %w", body.OrderId, err)
	}
	o.log.Info("order paid: reservations sold", "order_id", body.OrderId, "message_id", msg.ID, "reservations", n)
	return nil
}

// cancelled releases the order's reservations; a redelivery, or an order that was
// rejected, finds none active.
func (o *Orders) cancelled(ctx context.Context, msg *mq.Delivered) error {
	var body eventsapi.OrderCancelled
	if !o.decode(msg, &body) {
		return nil
	}
	if !stock.ValidOrderID(body.OrderId) {
		o.poison(msg, stock.ErrBadOrderID)
		return nil
	}
	n, err := o.stock.CancelOrder(ctx, body.OrderId)
	if err != nil {
		return fmt.Errorf("events: releasing order %s: %w", body.OrderId, err)
	}
	o.log.Info("order cancelled: reservations released", "order_id", body.OrderId, "message_id", msg.ID,
		"reservations", n, "reason", body.Reason)
	return nil
}

// decode reads a JSON body; a body that cannot be read is logged and acknowledged,
// because redelivering it would fail the same way every time.
func (o *Orders) decode(msg *mq.Delivered, into any) bool {
	if err := json.Unmarshal(msg.Body, into); err != nil {
		o.poison(msg, err)
		return false
	}
	return true
}

func (o *Orders) poison(msg *mq.Delivered, err error) {
	body := msg.Body
	if len(body) > 512 {
		body = body[:512] // enough to identify it; a huge body would flood the log
	}
	o.log.Error("dropping unusable message", "topic", msg.Topic, "tag", msg.Tags, "message_id", msg.ID,
		"body", string(body), "err", err)
}

func toDomainLines(lines []*eventsapi.EventLine) []stock.Line {
	out := make([]stock.Line, len(lines))
	for i, l := range lines {
		if l != nil { // a null line stays the zero Line, which the order rejects as malformed
			out[i] = stock.Line{SKU: l.Sku, Quantity: l.Quantity}
		}
	}
	return out
}

// Encode turns a stock decision into the message that announces it: stock.reserved or
// stock.rejected, keyed by order id.
func Encode(d stock.Decision) (*mq.Message, error) {
	msg := &mq.Message{Topic: eventsapi.TOPIC_STOCK, Keys: []string{d.OrderID}}
	var body any
	if d.Outcome == stock.Reserved {
		msg.Tags, body = eventsapi.TAG_RESERVED, &eventsapi.StockReserved{OrderId: d.OrderID}
	} else {
		msg.Tags, body = eventsapi.TAG_REJECTED, &eventsapi.StockRejected{OrderId: d.OrderID, Sku: d.SKU, Reason: d.Reason}
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("events: encode %s: %w", msg.Tags, err)
	}
	msg.Body = raw
	return msg, nil
}
