package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cartwheel-shop/cartwheel/pkg/db"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
)

// The gate's admissions are counted twice, in one transaction each time: a row per order
// and SKU in stock_admissions (which order holds what, and since when) and the sum of
// them in the stock row's admitted column. Admitting is one conditional UPDATE of that
// counter per line, so a SKU's stock row is locked for a statement and an INSERT, not for
// reading and summing every admission of the SKU: in a flash sale every admission and
// every decision of the SKU takes turns on that one row.
//
// Every transaction that deletes admission rows holds the stock rows' locks first and
// moves the counter by what it deleted (deleteAdmissions, uncount). Only a refusal looks
// further: it reads the SKUs' live admissions, and where they disagree with the counter
// (expired admissions, or rows a product service before migration 0007 wrote without
// counting) it recounts under the lock and tries once more (recount).

// errShort and errAlreadyAdmitted end an admission's transaction without recording it.
var (
	errShort           = errors.New("store: a line does not fit")
	errAlreadyAdmitted = errors.New("store: the order was admitted meanwhile")
)

// Admit implements stock.GateStore; it answers the headroom only with a refusal.
func (s *Store) Admit(ctx context.Context, o stock.Order) (map[string]int64, error) {
	if seen, err := s.admittedOrDecided(ctx, o.ID()); seen || err != nil {
		return nil, err
	}
	short, err := s.admit(ctx, o)
	if short == "" || err != nil {
		return nil, err
	}
	levels, err := s.gateLevels(ctx, o.SKUs())
	if err != nil {
		return nil, err
	}
	if l, known := levels[short]; known && l.admitted != l.live {
		if err := s.recount(ctx, o.SKUs()); err != nil {
			return nil, err
		}
		if short, err = s.admit(ctx, o); short == "" || err != nil {
			return nil, err
		}
		if levels, err = s.gateLevels(ctx, o.SKUs()); err != nil {
			return nil, err
		}
	}
	headroom := make(map[string]int64, len(levels))
	for sku, l := range levels {
		headroom[sku] = l.available - l.live
	}
	if _, known := levels[short]; !known {
		return headroom, &stock.UnknownSKUError{SKU: short}
	}
	return headroom, &stock.ShortError{SKU: short}
}

// admit counts every line of o on its stock row if it fits, in SKU order (the order every
// stock transaction locks in), and records o's admission rows with it. It answers the
// first SKU that did not fit, or was not found, having recorded nothing; a concurrent
// admission of the same order makes the insert collide, which counts as done.
func (s *Store) admit(ctx context.Context, o stock.Order) (string, error) {
	var short string
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		for _, l := range o.Lines() {
			res := tx.Model(&stockRow{}).
				Where("sku = ? AND available - admitted >= ?", l.SKU, l.Quantity).
				Update("admitted", gorm.Expr("admitted + ?", l.Quantity))
			if res.Error != nil {
				return fmt.Errorf("store: count admission of %s: %w", l.SKU, res.Error)
			}
			if res.RowsAffected == 0 {
				short = l.SKU
				return errShort
			}
		}
		at := s.at()
		rows := make([]admissionRow, len(o.Lines()))
		for i, l := range o.Lines() {
			rows[i] = admissionRow{OrderID: o.ID(), SKU: l.SKU, Quantity: l.Quantity, Created: at}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return duplicateAs(err, errAlreadyAdmitted, "record admission")
		}
		return nil
	}, readCommitted)
	switch {
	case errors.Is(err, errShort):
		return short, nil
	case errors.Is(err, errAlreadyAdmitted):
		return "", nil
	}
	return "", err
}

// gateLevel is what a SKU's stock row and admissions say about its headroom.
type gateLevel struct {
	available int64
	admitted  int64 // the stock row's counter
	live      int64 // the units of its admissions younger than stock.AdmissionLifetime
}

// gateLevels reads the gate's view of skus in one statement, so the counter and the rows
// come from one snapshot; a SKU without stock is absent. It runs on refusals only, and
// a SKU's admissions are at most its stock's worth of rows.
func (s *Store) gateLevels(ctx context.Context, skus []string) (map[string]gateLevel, error) {
	var rows []struct {
		SKU       string
		Available int64
		Admitted  int64
		Live      int64
	}
	err := s.conn(ctx).Raw(`SELECT s.sku, s.available, s.admitted,
		COALESCE((SELECT SUM(a.quantity) FROM stock_admissions a WHERE a.sku = s.sku AND a.created_at >= ?), 0) AS live
		FROM stock s WHERE s.sku IN ?`, s.admissionCutoff(), skus).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: read the gate's levels: %w", err)
	}
	out := make(map[string]gateLevel, len(rows))
	for _, r := range rows {
		out[r.SKU] = gateLevel{available: r.Available, admitted: r.Admitted, live: r.Live}
	}
	return out, nil
}

// recount, under the lock of skus' stock rows, deletes their expired admissions and sets
// each counter to the units its rows hold.
func (s *Store) recount(ctx context.Context, skus []string) error {
	return s.transaction(ctx, func(tx *gorm.DB) error {
		if err := lockStock(tx, skus); err != nil {
			return err
		}
		if err := tx.Where("sku IN ? AND created_at < ?", skus, s.admissionCutoff()).Delete(&admissionRow{}).Error; err != nil {
			return fmt.Errorf("store: drop expired admissions: %w", err)
		}
		err := tx.Model(&stockRow{}).Where("sku IN ?", skus).Update("admitted",
			gorm.Expr("COALESCE((SELECT SUM(a.quantity) FROM stock_admissions a WHERE a.sku = stock.sku), 0)")).Error
		if err != nil {
			return fmt.Errorf("store: recount admissions: %w", err)
		}
		return nil
	}, readCommitted)
}

// admissionCutoff: admissions created before it have expired.
func (s *Store) admissionCutoff() db.Time {
	return db.NewTime(s.now().Add(-stock.AdmissionLifetime))
}

// admittedOrDecided reports whether the order holds an admission or has a decision: a
// retried admission must not count twice, nor one that arrives after its order was
// decided count for good. It reads without locking, before the admission's transaction;
// the one race it leaves (the order decided between this read and the admission's
// commit) can only hold units too many until the admission expires.
func (s *Store) admittedOrDecided(ctx context.Context, orderID string) (bool, error) {
	var seen bool
	err := s.conn(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM stock_admissions WHERE order_id = ?)
		OR EXISTS (SELECT 1 FROM stock_decisions WHERE order_id = ?)`, orderID, orderID).Scan(&seen).Error
	if err != nil {
		return false, fmt.Errorf("store: read admission: %w", err)
	}
	return seen, nil
}

// ReturnAdmission implements stock.GateStore.
func (s *Store) ReturnAdmission(ctx context.Context, orderID string) error {
	return s.transaction(ctx, func(tx *gorm.DB) error { return endAdmission(tx, orderID) }, readCommitted)
}

// endAdmission ends the order's admission. Like every release it holds the stock rows'
// locks before it deletes admission rows: in the order an admission takes them.
func endAdmission(tx *gorm.DB, orderID string) error {
	held, err := admissionsOf(tx, orderID)
	if err != nil || len(held) == 0 {
		return err
	}
	skus := make([]string, len(held))
	for i, r := range held {
		skus[i] = r.SKU
	}
	if err := lockStock(tx, skus); err != nil {
		return err
	}
	ended, err := deleteAdmissions(tx, held)
	if err != nil {
		return err
	}
	return uncount(tx, ended)
}

// admissionsOf reads the order's admission rows, in SKU order.
func admissionsOf(tx *gorm.DB, orderID string) ([]admissionRow, error) {
	var held []admissionRow
	if err := tx.Where("order_id = ?", orderID).Order("sku").Find(&held).Error; err != nil {
		return nil, fmt.Errorf("store: read admission: %w", err)
	}
	return held, nil
}

// deleteAdmissions deletes held and answers the units of the rows it deleted, by SKU; a
// row deleted meanwhile (a concurrent release) is not among them. The caller takes them
// off the counters (uncount) in the same transaction.
func deleteAdmissions(tx *gorm.DB, held []admissionRow) (map[string]int64, error) {
	ended := make(map[string]int64, len(held))
	for _, r := range held {
		res := tx.Where("order_id = ? AND sku = ?", r.OrderID, r.SKU).Delete(&admissionRow{})
		if res.Error != nil {
			return nil, fmt.Errorf("store: end admission: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			ended[r.SKU] += r.Quantity
		}
	}
	return ended, nil
}

// uncount takes ended units off the stock rows' counters. A counter stops at zero: a
// row it never counted (see recount) must not fail the transaction that ends it.
func uncount(tx *gorm.DB, ended map[string]int64) error {
	for _, sku := range slices.Sorted(maps.Keys(ended)) {
		if err := tx.Model(&stockRow{}).Where("sku = ?", sku).Update("admitted", uncounted(ended[sku])).Error; err != nil {
			return fmt.Errorf("store: uncount admission of %s: %w", sku, err)
		}
	}
	return nil
}

// uncounted is the counter less n, stopping at zero.
func uncounted(n int64) clause.Expr {
	return gorm.Expr("CASE WHEN admitted > ? THEN admitted - ? ELSE 0 END", n, n)
}

// lockStock locks the stock rows of skus, in SKU order.
func lockStock(tx *gorm.DB, skus []string) error {
	var locked []stockRow
	if err := forUpdate(tx).Select("sku").Where("sku IN ?", skus).Order("sku").Find(&locked).Error; err != nil {
		return fmt.Errorf("store: lock stock: %w", err)
	}
	return nil
}
