package order

import (
	"context"

	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

// GetOrder returns an order. With a userID, another user's order does not exist for
// them: ErrNotFound, the same answer as for an unknown id, so ids cannot be probed.
func (s *Service) GetOrder(ctx context.Context, id, userID string) (*Order, error) {
	if !ids.Valid(id) {
		return nil, ErrNotFound
	}
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	if userID != "" && o.userID != userID {
		return nil, ErrNotFound
	}
	return o, nil
}

// Page is one page of a listing; NextPageToken is "" on the last page.
type Page struct {
	Orders        []*Order
	NextPageToken string
}

// ListOrders returns the user's orders, newest first, a page at a time.
func (s *Service) ListOrders(ctx context.Context, req ListRequest) (Page, error) {
	q, err := req.validate()
	if err != nil {
		return Page{}, err
	}
	// One more than the page tells whether a next page exists without counting.
	orders, err := s.store.ListOrders(ctx, req.UserID, q.status, q.after, q.size+1)
	if err != nil {
		return Page{}, err
	}
	if len(orders) <= q.size {
		return Page{Orders: orders}, nil
	}
	last := orders[q.size-1]
	return Page{Orders: orders[:q.size], NextPageToken: Cursor{last.createdAt, last.id}.token()}, nil
}

// CancelOrder cancels the user's unpaid order and releases its stock. A PENDING order
// cannot be cancelled yet (its stock is not settled); clients retry shortly.
func (s *Service) CancelOrder(ctx context.Context, id, userID string) (*Order, error) {
	if err := validateUserID(userID); err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, ErrNotFound
	}
	return s.store.UpdateOrderAndSend(ctx, id, func(o *Order) (Event, error) {
		if o.userID != userID {
			return nil, ErrNotFound
		}
		return o.CancelByUser(s.now())
	})
}

// ShipOrder records the shipment of a paid order (an admin's action: no owner check).
func (s *Service) ShipOrder(ctx context.Context, id, carrier, trackingNo string) (*Order, error) {
	shipment, err := NewShipment(carrier, trackingNo, s.now())
	if err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, ErrNotFound
	}
	return s.store.UpdateOrder(ctx, id, func(o *Order) error { return o.Ship(shipment) })
}

// ConfirmReceipt: the user says their shipped order arrived.
func (s *Service) ConfirmReceipt(ctx context.Context, id, userID string) (*Order, error) {
	if err := validateUserID(userID); err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, ErrNotFound
	}
	return s.store.UpdateOrder(ctx, id, func(o *Order) error {
		if o.userID != userID {
			return ErrNotFound
		}
		return o.ConfirmReceipt(s.now())
	})
}
