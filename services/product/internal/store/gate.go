package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
)

// Admit implements stock.GateStore. The stock rows are locked first, in SKU order as
// every stock transaction locks them, so two admissions of one SKU (or an admission and
// the decision of an order) take turns: the headroom one reads cannot change before it
// commits. Those row locks are all the admission needs, so it runs at READ COMMITTED
// (readCommitted), where deleting the expired admissions locks no gaps.
func (s *Store) Admit(ctx context.Context, o stock.Order) (map[string]int64, error) {
	var headroom map[string]int64
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var err error
		now := s.now()
		skus := o.SKUs()
		var levels []stockRow
		if err := forUpdate(tx).Select("sku", "available").Where("sku IN ?", skus).Order("sku").Find(&levels).Error; err != nil {
			return fmt.Errorf("store: lock stock: %w", err)
		}
		cutoff := db.NewTime(now.Add(-stock.AdmissionLifetime))
		if err := tx.Where("sku IN ? AND created_at < ?", skus, cutoff).Delete(&admissionRow{}).Error; err != nil {
			return fmt.Errorf("store: drop expired admissions: %w", err)
		}
		if headroom, err = headroomOf(tx, levels); err != nil {
			return err
		}
		if seen, err := s.admittedOrDecided(ctx, tx, o.ID()); seen || err != nil {
			return err
		}
		rows := make([]admissionRow, 0, len(o.Lines()))
		for _, l := range o.Lines() {
			left, known := headroom[l.SKU]
			switch {
			case !known:
				return &stock.UnknownSKUError{SKU: l.SKU}
			case left < l.Quantity:
				return &stock.ShortError{SKU: l.SKU}
			}
			rows = append(rows, admissionRow{OrderID: o.ID(), SKU: l.SKU, Quantity: l.Quantity, Created: db.NewTime(now)})
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("store: record admission: %w", err)
		}
		for _, r := range rows {
			headroom[r.SKU] -= r.Quantity
		}
		return nil
	}, readCommitted)
	return headroom, err
}

// headroomOf is the available stock of each level less the units admissions hold.
func headroomOf(tx *gorm.DB, levels []stockRow) (map[string]int64, error) {
	out := make(map[string]int64, len(levels))
	skus := make([]string, len(levels))
	for i, l := range levels {
		out[l.SKU], skus[i] = l.Available, l.SKU
	}
	if len(skus) == 0 {
		return out, nil
	}
	var held []struct {
		SKU      string
		Quantity int64
	}
	err := tx.Model(&admissionRow{}).Select("sku, SUM(quantity) AS quantity").Where("sku IN ?", skus).Group("sku").Scan(&held).Error
	if err != nil {
		return nil, fmt.Errorf("store: read admissions: %w", err)
	}
	for _, h := range held {
		out[h.SKU] -= h.Quantity
	}
	return out, nil
}

// admittedOrDecided reports whether the order holds an admission or has a decision: a
// retried admission must not count twice, nor one that arrives after its order was
// decided count for good.
func (s *Store) admittedOrDecided(ctx context.Context, tx *gorm.DB, orderID string) (bool, error) {
	var n int64
	if err := tx.Model(&admissionRow{}).Where("order_id = ?", orderID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: read admission: %w", err)
	}
	if n > 0 {
		return true, nil
	}
	_, decided, err := s.WithTx(tx).Decision(ctx, orderID)
	return decided, err
}

// ReturnAdmission implements stock.GateStore.
func (s *Store) ReturnAdmission(ctx context.Context, orderID string) error {
	if err := s.conn(ctx).Where("order_id = ?", orderID).Delete(&admissionRow{}).Error; err != nil {
		return fmt.Errorf("store: return admission: %w", err)
	}
	return nil
}

// endAdmission deletes the order's admission in the transaction that decides it.
func endAdmission(tx *gorm.DB, orderID string) error {
	if err := tx.Where("order_id = ?", orderID).Delete(&admissionRow{}).Error; err != nil {
		return fmt.Errorf("store: end admission: %w", err)
	}
	return nil
}
