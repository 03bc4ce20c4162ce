package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

// InsertOrder implements order.Storer. The key goes in first: when a concurrent request
// holds it, nothing else is written and the message is rolled back.
func (s *Store) InsertOrder(ctx context.Context, p order.Placement, created order.Event) error {
	snap := p.Order.Snapshot()
	return s.inTx(ctx, created, func(tx *gorm.DB) error {
		key := idempotencyRow{
			UserID: snap.UserID, Key: p.Key, Fingerprint: p.Fingerprint, OrderID: snap.ID, CreatedAt: db.NewTime(snap.CreatedAt),
		}
		if err := tx.Create(&key).Error; err != nil {
			if db.IsDuplicate(err) {
				return order.ErrIdempotencyKeyTaken
			}
			return fmt.Errorf("store: insert idempotency key: %w", err)
		}
		if err := tx.Create(toOrderRow(snap)).Error; err != nil {
			return fmt.Errorf("store: insert order: %w", err)
		}
		lines := toLineRows(snap.ID, snap.Lines)
		if err := tx.Create(&lines).Error; err != nil {
			return fmt.Errorf("store: insert order lines: %w", err)
		}
		if !p.FromCart {
			return nil
		}
		skus := make([]string, len(snap.Lines))
		for i, l := range snap.Lines {
			skus[i] = l.SKU
		}
		return removeCartItems(tx, snap.UserID, skus)
	})
}

// OrderByKey implements order.Storer.
func (s *Store) OrderByKey(ctx context.Context, userID, key string) (*order.Order, string, error) {
	var row idempotencyRow
	err := s.db.WithContext(ctx).Where("user_id = ? AND idempotency_key = ?", userID, key).Take(&row).Error
	if err != nil {
		return nil, "", notFound(err, "idempotency key")
	}
	o, err := s.Order(ctx, row.OrderID)
	return o, row.Fingerprint, err
}

// Order implements order.Storer.
func (s *Store) Order(ctx context.Context, id string) (*order.Order, error) {
	var row orderRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, notFound(err, "order")
	}
	orders, err := s.complete(ctx, []orderRow{row})
	if err != nil {
		return nil, err
	}
	return orders[0], nil
}

// ListOrders implements order.Storer with a keyset on (created_at, id), newest first;
// an empty userID lists every user's orders.
func (s *Store) ListOrders(ctx context.Context, userID string, status order.Status, after *order.Cursor, limit int) ([]*order.Order, error) {
	q := s.db.WithContext(ctx)
	if userID != "" {
		q = q.Where("user_id = ?", userID)
	}
	if status != "" {
		q = q.Where("status = ?", string(status))
	}
	if after != nil {
		at := after.CreatedAt.UTC()
		q = q.Where("created_at < ? OR (created_at = ? AND id < ?)", at, at, after.ID)
	}
	var rows []orderRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list orders: %w", err)
	}
	return s.complete(ctx, rows)
}

// complete loads the lines and refunds of rows, one query each for the whole batch.
func (s *Store) complete(ctx context.Context, rows []orderRow) ([]*order.Order, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var lines []lineRow
	if err := s.db.WithContext(ctx).Where("order_id IN ?", ids).Order("order_id, line_no").Find(&lines).Error; err != nil {
		return nil, fmt.Errorf("store: order lines: %w", err)
	}
	var refunds []refundRow
	if err := s.db.WithContext(ctx).Where("order_id IN ?", ids).Order("created_at, payment_id").Find(&refunds).Error; err != nil {
		return nil, fmt.Errorf("store: refund requests: %w", err)
	}
	linesOf := map[string][]lineRow{}
	for _, l := range lines {
		linesOf[l.OrderID] = append(linesOf[l.OrderID], l)
	}
	refundsOf := map[string][]string{}
	for _, r := range refunds {
		refundsOf[r.OrderID] = append(refundsOf[r.OrderID], r.PaymentID)
	}
	out := make([]*order.Order, len(rows))
	for i, r := range rows {
		out[i] = toDomainOrder(r, linesOf[r.ID], refundsOf[r.ID])
	}
	return out, nil
}

// UpdateOrder implements order.Storer.
func (s *Store) UpdateOrder(ctx context.Context, id string, rule func(*order.Order) error) (*order.Order, error) {
	return s.UpdateOrderAndSend(ctx, id, func(o *order.Order) (order.Event, error) { return nil, rule(o) })
}

// UpdateOrderAndSend implements order.Storer. The rule runs on a fresh read; the write
// is conditional on the version that read saw, so the rule's decision and the write meet
// as if under a lock. The read happens before the transaction because a transactional
// message is fixed before its local transaction starts, and the rule decides which
// message to send.
func (s *Store) UpdateOrderAndSend(ctx context.Context, id string, rule func(*order.Order) (order.Event, error)) (*order.Order, error) {
	for range maxUpdateAttempts {
		o, err := s.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		read := o.Snapshot().Version
		ev, err := rule(o)
		if err != nil {
			return nil, err
		}
		snap := o.Snapshot()
		save := func(tx *gorm.DB) error { return saveOrder(tx, snap, read, ev) }
		if ev == nil {
			// No message to tie it to, and without a refund to record the save is one
			// conditional UPDATE: atomic by itself, so no BEGIN and COMMIT around it.
			err = save(s.db.WithContext(ctx))
		} else {
			err = s.inTx(ctx, ev, save)
		}
		if errors.Is(err, errLostRace) {
			continue
		}
		if err != nil {
			return nil, err
		}
		snap.Version = read + 1
		return order.Restore(snap), nil
	}
	return nil, fmt.Errorf("store: order %s: %w", id, order.ErrConcurrentUpdate)
}

// saveOrder writes the mutable columns of the order if its version is still read, and
// records a refund request once per payment.
func saveOrder(tx *gorm.DB, snap order.Snapshot, read int64, ev order.Event) error {
	row := toOrderRow(snap)
	res := tx.Table("orders").Where("id = ? AND version = ?", snap.ID, read).Updates(map[string]any{
		"status": row.Status, "cancel_reason": row.CancelReason, "payment_id": row.PaymentID,
		"carrier": row.Carrier, "tracking_no": row.TrackingNo,
		"shipped_at": row.ShippedAt, "received_at": row.ReceivedAt,
		"updated_at": row.UpdatedAt, "version": read + 1,
	})
	if res.Error != nil {
		return fmt.Errorf("store: update order: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return errLostRace
	}
	refund, ok := ev.(order.RefundRequested)
	if !ok {
		return nil
	}
	err := tx.Create(&refundRow{
		PaymentID: refund.PaymentID, OrderID: refund.ID, Reason: string(refund.Reason), CreatedAt: row.UpdatedAt,
	}).Error
	if db.IsDuplicate(err) {
		return errLostRace // recorded meanwhile: the next read sees it and answers ErrAlreadyApplied
	}
	if err != nil {
		return fmt.Errorf("store: insert refund request: %w", err)
	}
	return nil
}

// DueOrders implements order.Storer.
func (s *Store) DueOrders(ctx context.Context, status order.Status, cutoff time.Time, limit int) ([]string, error) {
	column, ok := map[order.Status]string{
		order.AwaitingPayment: "payment_deadline",
		order.Shipped:         "shipped_at",
		order.Received:        "received_at",
	}[status]
	if !ok {
		return nil, fmt.Errorf("store: no clock for status %s", status)
	}
	var ids []string
	err := s.db.WithContext(ctx).Table("orders").
		Where("status = ? AND "+column+" <= ?", string(status), cutoff.UTC()).
		Order(column+", id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("store: due %s orders: %w", status, err)
	}
	return ids, nil
}
