package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

// RefundRequest asks for a payment's money back (the order service's refund_requested:
// a payment arrived for an order that cannot take it).
type RefundRequest struct {
	OrderID   string
	PaymentID string
	Reason    string
}

// Refund returns the payment's money once, however often it is asked. It answers nil
// when the payment is refunded (now or before); ErrNotFound or ErrStateConflict when the
// request can never succeed (no such payment for that order, or nothing was collected);
// any other error is transient (provider, database) and worth asking again.
func (s *Service) Refund(ctx context.Context, r RefundRequest) error {
	if !ids.Valid(r.PaymentID) {
		return ErrNotFound
	}
	var providerRefundID string
	p, err := s.store.UpdatePayment(ctx, r.PaymentID, func(p *Payment) (Event, error) {
		if p.OrderID() != r.OrderID {
			return nil, fmt.Errorf("%w: payment %s belongs to order %s, not %s", ErrNotFound, p.ID(), p.OrderID(), r.OrderID)
		}
		switch p.Status() {
		case StatusRefunded:
			return nil, errUnchanged
		case StatusSucceeded:
		default:
			return nil, fmt.Errorf("%w: cannot refund a %s payment", ErrStateConflict, p.Status())
		}
		// The provider refunds before the database records it: a crash in between leaves
		// the request unacknowledged, and the provider's idempotency makes the retry (or
		// this rule's second run after a concurrent write) harmless.
		var err error
		if providerRefundID, err = s.provider.Refund(ctx, p); err != nil {
			return nil, fmt.Errorf("payment: refund at %s: %w", p.Provider(), err)
		}
		now := s.now()
		if err := p.Refund(now); err != nil {
			return nil, err
		}
		return PaymentRefunded{Payment: p, Refund: Refund{
			ID: ids.New(), PaymentID: p.ID(), ProviderRefundID: providerRefundID,
			Amount: p.Amount(), Reason: r.Reason, CreatedAt: now,
		}}, nil
	})
	if errors.Is(err, errUnchanged) || errors.Is(err, ErrAlreadyRefunded) {
		return nil
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "payment refunded", "payment_id", p.ID(), "order_id", p.OrderID(),
		"provider_refund_id", providerRefundID, "reason", r.Reason)
	return nil
}
