// Package events is the payment service's side of the consistency protocol: it encodes
// payment.succeeded and payment.refunded (which the store sends as transactional messages
// with the change they announce), and consumes order.refund_requested.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
)

// Groups of the payment service on the broker.
const (
	ProducerGroup = "payment-tx"
	ConsumerGroup = "payment-svc"
)

// Encode turns a payment event into the message that announces it: payment.succeeded
// or payment.refunded; no event (nil) is no message.
func Encode(ev payment.Event) (*mq.Message, error) {
	switch e := ev.(type) {
	case nil:
		return nil, nil
	case payment.PaymentSucceeded:
		p := e.Payment
		return message(eventsapi.TAG_SUCCEEDED, p, &eventsapi.PaymentSucceeded{
			PaymentId: p.ID(), OrderId: p.OrderID(), Amount: toEventMoney(p.Amount()), ProviderTxnId: p.ProviderTxnID(),
		})
	case payment.PaymentRefunded:
		p := e.Payment
		return message(eventsapi.TAG_REFUNDED, p, &eventsapi.PaymentRefunded{
			PaymentId: p.ID(), OrderId: p.OrderID(), Amount: toEventMoney(e.Refund.Amount),
		})
	}
	return nil, fmt.Errorf("events: no message for %T", ev)
}

// message wraps a payload of idl/events.thrift; keys let operators find every message
// of a payment or an order on the broker.
func message(tag string, p *payment.Payment, payload any) (*mq.Message, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("events: encode %s: %w", tag, err)
	}
	return &mq.Message{Topic: eventsapi.TOPIC_PAYMENT, Tags: tag, Keys: []string{p.ID(), p.OrderID()}, Body: body}, nil
}

func toEventMoney(m money.Money) *baseapi.Money {
	return &baseapi.Money{AmountCents: m.Cents, Currency: m.Currency}
}

// Refunder is the use case the refund consumer drives.
type Refunder interface {
	Refund(ctx context.Context, r payment.RefundRequest) error
}

// Refunds consumes order.refund_requested.
type Refunds struct {
	refunder Refunder
	log      *slog.Logger
}

// NewRefunds returns the consumer's handler.
func NewRefunds(refunder Refunder, log *slog.Logger) *Refunds {
	return &Refunds{refunder: refunder, log: log}
}

// Subscribe registers the handler on c; call it before c.Start.
func (h *Refunds) Subscribe(c mq.Consumer) error {
	return c.Subscribe(eventsapi.TOPIC_ORDER, eventsapi.TAG_REFUND_REQUESTED, h.Handle)
}

// Handle refunds once per payment. Poison (an undecodable body) and requests that can
// never succeed are logged and acknowledged, since redelivering them cannot help; a
// transient failure returns its error so the broker redelivers with back-off.
func (h *Refunds) Handle(ctx context.Context, msg *mq.Delivered) error {
	var ev eventsapi.RefundRequested
	if err := json.Unmarshal(msg.Body, &ev); err != nil {
		h.log.ErrorContext(ctx, "refund_requested undecodable: acknowledged and dropped", "message_id", msg.ID, "err", err)
		return nil
	}
	err := h.refunder.Refund(ctx, toDomainRefundRequest(&ev))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, payment.ErrNotFound), errors.Is(err, payment.ErrStateConflict):
		h.log.WarnContext(ctx, "refund_requested cannot be honoured: acknowledged",
			"message_id", msg.ID, "payment_id", ev.PaymentId, "order_id", ev.OrderId, "err", err)
		return nil
	default:
		h.log.WarnContext(ctx, "refund failed: will be redelivered",
			"message_id", msg.ID, "payment_id", ev.PaymentId, "reconsume_times", msg.ReconsumeTimes, "err", err)
		return err
	}
}

func toDomainRefundRequest(ev *eventsapi.RefundRequested) payment.RefundRequest {
	return payment.RefundRequest{OrderID: ev.OrderId, PaymentID: ev.PaymentId, Reason: ev.Reason}
}
