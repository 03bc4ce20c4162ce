package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

// Protocol is what the order service does when a message of the protocol arrives;
// *order.Service implements it. nil acknowledges the message, an error redelivers it.
type Protocol interface {
	StockReserved(ctx context.Context, orderID string) error
	StockRejected(ctx context.Context, orderID string) error
	PaymentTimedOut(ctx context.Context, orderID string) error
	PaymentSucceeded(ctx context.Context, p order.Payment) error
}

// Subscribe registers the order service's handlers on c, a consumer of ConsumerGroup.
func Subscribe(c mq.Consumer, p Protocol, log *slog.Logger) error {
	h := &handlers{p: p, log: log}
	subs := []struct {
		topic, tags string
		handle      mq.Handler
	}{
		// One subscription per topic: a second Subscribe to a topic replaces the first.
		{eventsapi.TOPIC_STOCK, eventsapi.TAG_RESERVED + " || " + eventsapi.TAG_REJECTED, h.stock},
		{eventsapi.TOPIC_ORDER, eventsapi.TAG_TIMEOUT, h.timeout},
		{eventsapi.TOPIC_PAYMENT, eventsapi.TAG_SUCCEEDED, h.paymentSucceeded},
	}
	for _, s := range subs {
		if err := c.Subscribe(s.topic, s.tags, s.handle); err != nil {
			return fmt.Errorf("events: subscribe %s %q: %w", s.topic, s.tags, err)
		}
	}
	return nil
}

type handlers struct {
	p   Protocol
	log *slog.Logger
}

func (h *handlers) stock(ctx context.Context, msg *mq.Delivered) error {
	switch msg.Tags {
	case eventsapi.TAG_RESERVED:
		var body eventsapi.StockReserved
		if !h.decode(ctx, msg, &body, func() string { return body.OrderId }) {
			return nil
		}
		return h.outcome(ctx, msg, body.OrderId, h.p.StockReserved(ctx, body.OrderId))
	case eventsapi.TAG_REJECTED:
		var body eventsapi.StockRejected
		if !h.decode(ctx, msg, &body, func() string { return body.OrderId }) {
			return nil
		}
		h.log.InfoContext(ctx, "stock rejected", "order_id", body.OrderId, "sku", body.Sku, "reason", body.Reason)
		return h.outcome(ctx, msg, body.OrderId, h.p.StockRejected(ctx, body.OrderId))
	}
	h.log.ErrorContext(ctx, "unexpected stock message; acknowledged", "tag", msg.Tags, "id", msg.ID)
	return nil
}

func (h *handlers) timeout(ctx context.Context, msg *mq.Delivered) error {
	var body eventsapi.OrderTimeout
	if !h.decode(ctx, msg, &body, func() string { return body.OrderId }) {
		return nil
	}
	return h.outcome(ctx, msg, body.OrderId, h.p.PaymentTimedOut(ctx, body.OrderId))
}

func (h *handlers) paymentSucceeded(ctx context.Context, msg *mq.Delivered) error {
	var body eventsapi.PaymentSucceeded
	if !h.decode(ctx, msg, &body, func() string { return body.OrderId }) || !h.present(ctx, msg, "payment_id", body.PaymentId) {
		return nil
	}
	// A missing or odd amount is passed on as it is: it cannot match the order's total,
	// so the payment is asked back rather than dropped.
	var amount money.Money
	if a := body.Amount; a != nil {
		amount = money.Money{Cents: a.AmountCents, Currency: a.Currency}
	}
	p := order.Payment{ID: body.PaymentId, OrderID: body.OrderId, Amount: amount}
	return h.outcome(ctx, msg, body.OrderId, h.p.PaymentSucceeded(ctx, p))
}

// decode reads msg's body into v and checks it names an order. A body that cannot be
// read is logged and acknowledged: redelivering poison never helps.
func (h *handlers) decode(ctx context.Context, msg *mq.Delivered, v any, orderID func() string) bool {
	if err := json.Unmarshal(msg.Body, v); err != nil {
		h.log.ErrorContext(ctx, "undecodable message; acknowledged", "topic", msg.Topic, "tag", msg.Tags,
			"id", msg.ID, "err", err)
		return false
	}
	return h.present(ctx, msg, "order_id", orderID())
}

func (h *handlers) present(ctx context.Context, msg *mq.Delivered, field, value string) bool {
	if value == "" {
		h.log.ErrorContext(ctx, "message without "+field+"; acknowledged", "topic", msg.Topic,
			"tag", msg.Tags, "id", msg.ID)
	}
	return value != ""
}

// outcome acknowledges a message about an order this service never committed (nothing
// will ever apply it) and logs failures that will be redelivered.
func (h *handlers) outcome(ctx context.Context, msg *mq.Delivered, orderID string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, order.ErrNotFound):
		h.log.ErrorContext(ctx, "message for an unknown order; acknowledged", "topic", msg.Topic,
			"tag", msg.Tags, "id", msg.ID, "order_id", orderID)
		return nil
	}
	h.log.WarnContext(ctx, "message not applied yet; it will be redelivered", "topic", msg.Topic,
		"tag", msg.Tags, "id", msg.ID, "order_id", orderID, "reconsume_times", msg.ReconsumeTimes, "err", err)
	return err
}
