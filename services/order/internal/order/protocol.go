package order

import (
	"context"
	"errors"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

// The order side of the consistency protocol (ARCHITECTURE.md §5). Each method handles
// one kind of message: nil acknowledges it, an error asks the broker to deliver it again
// later. A message that finds its order already past the state it expects is
// acknowledged and ignored; one that arrives before the order is ready for it (still
// PENDING) is redelivered, since the stock answer is on its way.

// Payment is a payment the payment service saw succeed.
type Payment struct {
	ID      string
	OrderID string
	Amount  money.Money
}

// StockReserved: every line is reserved; the order awaits payment.
func (s *Service) StockReserved(ctx context.Context, orderID string) error {
	_, err := s.store.UpdateOrder(ctx, orderID, func(o *Order) error { return o.MarkStockReserved(s.now()) })
	return s.settle(ctx, "stock.reserved", orderID, err)
}

// StockRejected: some line could not be reserved, so nothing was; the order is cancelled
// and, with nothing to release, no message follows.
func (s *Service) StockRejected(ctx context.Context, orderID string) error {
	_, err := s.store.UpdateOrder(ctx, orderID, func(o *Order) error { return o.RejectForStock(s.now()) })
	return s.settle(ctx, "stock.rejected", orderID, err)
}

// PaymentTimedOut cancels an order still unpaid at its deadline and releases its stock.
// A timeout delivered early (a broker rounding its delay up to a level, clock skew) is
// scheduled again for the rest of the wait.
func (s *Service) PaymentTimedOut(ctx context.Context, orderID string) error {
	var deadline time.Time // the stored one, read by the rule
	_, err := s.store.UpdateOrderAndSend(ctx, orderID, func(o *Order) (Event, error) {
		deadline = o.paymentDeadline
		return o.Expire(s.now())
	})
	if errors.Is(err, ErrNotDue) {
		return s.timeouts.ScheduleTimeout(ctx, orderID, deadline, deadline.Sub(s.now()))
	}
	return s.settle(ctx, "order.timeout", orderID, err)
}

// PaymentSucceeded pays the order, or asks for the payment back when the order cannot
// take it (see Order.ApplyPayment).
func (s *Service) PaymentSucceeded(ctx context.Context, p Payment) error {
	var refund *RefundRequested
	_, err := s.store.UpdateOrderAndSend(ctx, p.OrderID, func(o *Order) (Event, error) {
		ev, err := o.ApplyPayment(p, s.now())
		if r, ok := ev.(RefundRequested); ok {
			refund = &r
		}
		return ev, err
	})
	if err == nil && refund != nil {
		s.log.WarnContext(ctx, "payment cannot be kept; refund requested", "order_id", p.OrderID,
			"payment_id", p.ID, "amount", p.Amount.String(), "reason", refund.Reason)
	}
	return s.settle(ctx, "payment.succeeded", p.OrderID, err)
}

// settle turns the outcome of a message's transition into acknowledge (nil) or redeliver.
func (s *Service) settle(ctx context.Context, message, orderID string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrStockNotSettled):
		return err
	case errors.Is(err, ErrIllegalTransition), errors.Is(err, ErrAlreadyApplied):
		s.log.InfoContext(ctx, "message does not apply to the order as it stands; acknowledged",
			"message", message, "order_id", orderID, "reason", err.Error())
		return nil
	}
	return err
}
