// Package events is the payment service's side of the consistency protocol: it sends
// payment.succeeded and payment.refunded as transactional messages whose local
// transaction saves the payment, and consumes order.refund_requested.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"gorm.io/gorm"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/store"
)

// Groups of the payment service on the broker.
const (
	ProducerGroup = "payment-tx"
	ConsumerGroup = "payment-svc"
)

// Announcer implements payment.Announcer with txmsg: the payment row, the refund row and
// the tx-log row commit in one transaction, and the message with them.
type Announcer struct {
	sender *txmsg.Sender
	store  *store.Store
}

var _ payment.Announcer = (*Announcer)(nil)

// NewAnnouncer pairs a sender (whose producer checks back with txmsg.Checker on the
// same database) with the store.
func NewAnnouncer(sender *txmsg.Sender, st *store.Store) *Announcer {
	return &Announcer{sender: sender, store: st}
}

// Succeeded saves p and sends payment.succeeded.
func (a *Announcer) Succeeded(ctx context.Context, p *payment.Payment) error {
	msg, err := message(eventsapi.TAG_SUCCEEDED, p, &eventsapi.PaymentSucceeded{
		PaymentId: p.ID(), OrderId: p.OrderID(), Amount: toEventMoney(p.Amount()), ProviderTxnId: p.ProviderTxnID(),
	})
	if err != nil {
		return err
	}
	return a.sender.Send(ctx, msg, func(tx *gorm.DB) error {
		return a.store.WithTx(tx).Save(ctx, p)
	})
}

// Refunded saves p with its refund row and sends payment.refunded.
func (a *Announcer) Refunded(ctx context.Context, p *payment.Payment, r payment.Refund) error {
	msg, err := message(eventsapi.TAG_REFUNDED, p, &eventsapi.PaymentRefunded{
		PaymentId: p.ID(), OrderId: p.OrderID(), Amount: toEventMoney(r.Amount),
	})
	if err != nil {
		return err
	}
	return a.sender.Send(ctx, msg, func(tx *gorm.DB) error {
		st := a.store.WithTx(tx)
		if err := st.Save(ctx, p); err != nil {
			return err
		}
		return st.CreateRefund(ctx, r)
	})
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
