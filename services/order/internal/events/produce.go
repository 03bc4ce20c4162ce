// Package events is the order service's side of the message bus: it encodes the order's
// events as the idl/events.thrift payloads, sends the delayed payment timeout, and
// decodes the stock and payment messages for the order service.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

// Groups of the order service on the broker.
const (
	ProducerGroup = "order-tx"
	ConsumerGroup = "order-svc"
)

// Encode turns an order event into the message that announces it, keyed by order id;
// no event (nil) is no message.
func Encode(ev order.Event) (*mq.Message, error) {
	var tag string
	var payload any
	switch e := ev.(type) {
	case nil:
		return nil, nil
	case order.OrderCreated:
		tag, payload = eventsapi.TAG_CREATED, toCreatedPayload(e)
	case order.OrderPaid:
		tag, payload = eventsapi.TAG_PAID, &eventsapi.OrderPaid{OrderId: e.ID, PaymentId: e.PaymentID}
	case order.OrderCancelled:
		tag, payload = eventsapi.TAG_CANCELLED, &eventsapi.OrderCancelled{OrderId: e.ID, Reason: string(e.Reason)}
	case order.RefundRequested:
		tag, payload = eventsapi.TAG_REFUND_REQUESTED,
			&eventsapi.RefundRequested{OrderId: e.ID, PaymentId: e.PaymentID, Reason: string(e.Reason)}
	default:
		return nil, fmt.Errorf("events: no message for %T", ev)
	}
	return message(tag, ev.OrderID(), payload)
}

func toCreatedPayload(e order.OrderCreated) *eventsapi.OrderCreated {
	lines := make([]*eventsapi.EventLine, len(e.Lines))
	for i, l := range e.Lines {
		lines[i] = &eventsapi.EventLine{Sku: l.SKU, Quantity: l.Quantity}
	}
	return &eventsapi.OrderCreated{OrderId: e.ID, UserId: e.UserID, Lines: lines, CreatedAtMs: e.CreatedAt.UnixMilli()}
}

func message(tag, orderID string, payload any) (*mq.Message, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("events: encode %s: %w", tag, err)
	}
	return &mq.Message{Topic: eventsapi.TOPIC_ORDER, Tags: tag, Keys: []string{orderID}, Body: body}, nil
}

// Timeouts sends order.timeout as a plain delayed message: it is sent after the order
// committed, and if it is lost the sweeper cancels the order instead.
type Timeouts struct {
	producer mq.Producer
}

// NewTimeouts sends through producer.
func NewTimeouts(producer mq.Producer) *Timeouts { return &Timeouts{producer: producer} }

// ScheduleTimeout asks for order.timeout to be delivered after delay.
func (t *Timeouts) ScheduleTimeout(ctx context.Context, orderID string, deadline time.Time, delay time.Duration) error {
	msg, err := message(eventsapi.TAG_TIMEOUT, orderID,
		&eventsapi.OrderTimeout{OrderId: orderID, DeadlineMs: deadline.UnixMilli()})
	if err != nil {
		return err
	}
	msg.Delay = delay
	if _, err := t.producer.Send(ctx, msg); err != nil {
		return fmt.Errorf("events: send order.timeout: %w", err)
	}
	return nil
}
