package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/events"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
)

var _ stock.Store = (*Store)(nil)

// Level returns the stock of sku.
func (s *Store) Level(ctx context.Context, sku string) (stock.Level, error) {
	var r stockRow
	if err := s.conn(ctx).Where("sku = ?", sku).Take(&r).Error; err != nil {
		return stock.Level{}, notFound(err, stock.ErrSKUNotFound, "load stock")
	}
	return toDomainLevel(r), nil
}

// Adjust applies a in one conditional update and records it in the same transaction.
// With a key, the unique index on (actor_id, idempotency_key) decides between
// concurrent calls: a second insert waits for the first to end and then collides, which
// rolls its stock movement back with it.
func (s *Store) Adjust(ctx context.Context, a stock.Adjustment) (stock.Level, error) {
	var out stock.Level
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		at := s.at()
		moved, err := move(tx, a.Movement(), at)
		if err != nil {
			return err
		}
		if !moved {
			if _, err := s.WithTx(tx).Level(ctx, a.SKU); err != nil {
				return err
			}
			return stock.ErrInsufficient
		}
		row := toAdjustmentRow(ids.New(), a, at)
		if err := tx.Create(&row).Error; err != nil {
			return duplicateAs(err, stock.ErrIdempotencyKeyTaken, "record adjustment")
		}
		out, err = s.WithTx(tx).Level(ctx, a.SKU)
		return err
	})
	return out, err
}

// KeyedAdjustment returns the fingerprint of the adjustment actorID recorded under key,
// if there is one.
func (s *Store) KeyedAdjustment(ctx context.Context, actorID, key string) (string, bool, error) {
	var r adjustmentRow
	err := s.conn(ctx).Select("fingerprint").Where("actor_id = ? AND idempotency_key = ?", actorID, key).Take(&r).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("store: load keyed adjustment: %w", err)
	case r.Fingerprint == nil:
		return "", false, fmt.Errorf("store: adjustment keyed %q by %s has no fingerprint", key, actorID)
	}
	return *r.Fingerprint, true, nil
}

// move applies m in a single UPDATE whose condition refuses to take any bucket below
// zero; it reports false when the SKU is unknown or the condition refused. Every stock
// change (adjustment, reservation, sale, release) goes through here.
func move(tx *gorm.DB, m stock.Movement, at db.Time) (bool, error) {
	return moveUncounting(tx, m, 0, at)
}

// moveUncounting is move that also takes admitted units off the stock gate's counter
// (uncount), in the same statement: a reservation ends the admission it was admitted by.
func moveUncounting(tx *gorm.DB, m stock.Movement, admitted int64, at db.Time) (bool, error) {
	set := map[string]any{
		"available":  gorm.Expr("available + ?", m.Available),
		"reserved":   gorm.Expr("reserved + ?", m.Reserved),
		"sold":       gorm.Expr("sold + ?", m.Sold),
		"updated_at": at,
	}
	if admitted > 0 {
		set["admitted"] = uncounted(admitted)
	}
	res := tx.Model(&stockRow{}).
		Where("sku = ? AND available + ? >= 0 AND reserved + ? >= 0 AND sold + ? >= 0", m.SKU, m.Available, m.Reserved, m.Sold).
		Updates(set)
	if res.Error != nil {
		return false, fmt.Errorf("store: move stock of %s: %w", m.SKU, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Available reads the units each of skus has available now, in one query on the stock
// table alone: the cached product detail merges it in on every read.
func (s *Store) Available(ctx context.Context, skus []string) (map[string]int64, error) {
	out := make(map[string]int64, len(skus))
	if len(skus) == 0 {
		return out, nil
	}
	var rows []stockRow
	if err := s.conn(ctx).Select("sku", "available").Where("sku IN ?", skus).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: read available stock: %w", err)
	}
	for _, r := range rows {
		out[r.SKU] = r.Available
	}
	return out, nil
}

// Availability reads what skus can sell, without locking.
func (s *Store) Availability(ctx context.Context, skus []string) (map[string]stock.Availability, error) {
	return availability(s.conn(ctx), skus)
}

// availability reads the stock rows of skus and whether each SKU and its product are
// active.
func availability(tx *gorm.DB, skus []string) (map[string]stock.Availability, error) {
	forSale, err := forSaleOf(tx, skus)
	if err != nil {
		return nil, err
	}
	return levelsOf(tx, skus, forSale)
}

// levelsOf reads the stock rows of skus, locked when tx locks, in SKU order, as
// availabilities whose ForSale comes from forSale.
func levelsOf(tx *gorm.DB, skus []string, forSale map[string]bool) (map[string]stock.Availability, error) {
	out := map[string]stock.Availability{}
	if len(skus) == 0 {
		return out, nil
	}
	var levels []stockRow
	if err := tx.Select("sku", "available").Where("sku IN ?", skus).Order("sku").Find(&levels).Error; err != nil {
		return nil, fmt.Errorf("store: read stock: %w", err)
	}
	for _, l := range levels {
		out[l.SKU] = stock.Availability{Available: l.Available, ForSale: forSale[l.SKU]}
	}
	return out, nil
}

// forSaleOf reads whether each of skus and its product are active.
func forSaleOf(tx *gorm.DB, skus []string) (map[string]bool, error) {
	forSale := map[string]bool{}
	if len(skus) == 0 {
		return forSale, nil
	}
	var flags []struct {
		Code          string
		SKUActive     bool
		ProductActive bool
	}
	// A fresh session, so the lock clause of tx (if any) does not lock catalog rows.
	err := tx.Session(&gorm.Session{NewDB: true}).Table("skus").
		Select("skus.code, skus.active AS sku_active, products.active AS product_active").
		Joins("JOIN products ON products.id = skus.product_id").
		Where("skus.code IN ?", skus).
		Scan(&flags).Error
	if err != nil {
		return nil, fmt.Errorf("store: read SKU status: %w", err)
	}
	for _, f := range flags {
		forSale[f.Code] = f.SKUActive && f.ProductActive
	}
	return forSale, nil
}

// Decision returns the order's decision, if it has one.
func (s *Store) Decision(ctx context.Context, orderID string) (stock.Decision, bool, error) {
	var r decisionRow
	err := s.conn(ctx).Where("order_id = ?", orderID).Take(&r).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return stock.Decision{}, false, nil
	case err != nil:
		return stock.Decision{}, false, fmt.Errorf("store: load decision: %w", err)
	}
	return toDomainDecision(r), true, nil
}

// maxAnnounceAttempts bounds how often one decision is re-announced when it changed
// under its announcement; past that the caller asks again later (a redelivery), when the
// contention that kept changing it has passed.
const maxAnnounceAttempts = 5

// DecideAndSend implements stock.Store. The announcement is chosen on an unlocked read
// because a transactional message is fixed before its local transaction starts; the
// transaction then holds the decision to it, as a version column holds an update to the
// read it was made on.
func (s *Store) DecideAndSend(ctx context.Context, o stock.Order, decide func(map[string]stock.Availability) stock.Decision) (stock.Decision, error) {
	av, err := s.Availability(ctx, o.SKUs())
	if err != nil {
		return stock.Decision{}, err
	}
	announced := decide(av)
	for attempt := 1; ; attempt++ {
		msg, err := events.Encode(announced)
		if err != nil {
			return stock.Decision{}, err
		}
		err = s.sender.Send(ctx, msg, func(tx *gorm.DB) error {
			return s.WithTx(tx).Decide(ctx, o, func(locked map[string]stock.Availability) (stock.Decision, error) {
				if actual := decide(locked); actual != announced {
					return stock.Decision{}, &stock.OutcomeChangedError{Announced: announced, Actual: actual}
				}
				return announced, nil
			})
		})
		var changed *stock.OutcomeChangedError
		switch {
		case err == nil:
			return announced, nil
		case errors.As(err, &changed) && attempt < maxAnnounceAttempts:
			announced = changed.Actual
		default:
			return stock.Decision{}, err
		}
	}
}

// Decide, in one transaction, fails with stock.ErrAlreadyDecided when the order has a
// decision; otherwise it locks the stock of the order's SKUs in SKU order, asks decide
// for a decision on what it read and records it: for a reservation, the stock movements
// and reservation rows; in every case the decision row, and the end of the order's
// admission. An error from decide aborts the transaction and is returned.
//
// In a flash sale every decision and admission of the SKU takes turns on its stock row,
// so what needs no lock is read before the lock is taken: the order's admission rows
// (deleting them decides which still count) and whether its SKUs are for sale (staff's
// switch, which no stock lock guards).
func (s *Store) Decide(ctx context.Context, o stock.Order, decide func(map[string]stock.Availability) (stock.Decision, error)) error {
	return s.transaction(ctx, func(tx *gorm.DB) error {
		_, decided, err := s.WithTx(tx).Decision(ctx, o.ID())
		if err != nil {
			return err
		}
		if decided {
			return stock.ErrAlreadyDecided
		}
		held, err := admissionsOf(tx, o.ID())
		if err != nil {
			return err
		}
		forSale, err := forSaleOf(tx, o.SKUs())
		if err != nil {
			return err
		}
		av, err := levelsOf(forUpdate(tx), o.SKUs(), forSale)
		if err != nil {
			return err
		}
		d, err := decide(av)
		if err != nil {
			return err
		}
		at := s.at()
		// A concurrent delivery of the same order that got here first makes one of
		// these inserts collide, which means it decided already.
		row := toDecisionRow(d, at)
		if err := tx.Create(&row).Error; err != nil {
			return duplicateAs(err, stock.ErrAlreadyDecided, "record decision")
		}
		ended, err := deleteAdmissions(tx, held)
		if err != nil {
			return err
		}
		if d.Outcome != stock.Reserved {
			return uncount(tx, ended)
		}
		return reserve(tx, o, ended, at)
	})
}

// reserve holds the stock of every line of a reserved order, ends the admission units
// of ended on the same rows, and records its reservations.
func reserve(tx *gorm.DB, o stock.Order, ended map[string]int64, at db.Time) error {
	reservations, movements := o.Reserve()
	for _, m := range movements {
		moved, err := moveUncounting(tx, m, ended[m.SKU], at)
		if err != nil {
			return err
		}
		if !moved {
			// The rows are locked and were just found sufficient: this is a bug.
			return fmt.Errorf("store: reserving %s for order %s: %w", m.SKU, o.ID(), stock.ErrInsufficient)
		}
		delete(ended, m.SKU)
	}
	if err := uncount(tx, ended); err != nil { // admitted SKUs the order no longer names
		return err
	}
	rows := make([]reservationRow, len(reservations))
	for i, r := range reservations {
		rows[i] = toReservationRow(r, at)
	}
	if err := tx.Create(&rows).Error; err != nil {
		return duplicateAs(err, stock.ErrAlreadyDecided, "record reservations")
	}
	return nil
}

// EnsureDecision records d unless the order already has a decision, and ends the
// order's admission. The admission goes first: like Decide, it locks the stock rows
// before the decision row.
func (s *Store) EnsureDecision(ctx context.Context, d stock.Decision) error {
	return s.transaction(ctx, func(tx *gorm.DB) error {
		if err := endAdmission(tx, d.OrderID); err != nil {
			return err
		}
		row := toDecisionRow(d, s.at())
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return fmt.Errorf("store: ensure decision: %w", err)
		}
		return nil
	})
}

// SettleReservations passes each active reservation of the order to settle and applies
// the result, in one transaction (see stock.Store).
func (s *Store) SettleReservations(ctx context.Context, orderID string, settle func(*stock.Reservation) (stock.Movement, error)) (int, error) {
	settled := 0
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		settled = 0 // the transaction may be retried by a caller; count this run only
		var rows []reservationRow
		err := forUpdate(tx).Where("order_id = ? AND state = ?", orderID, string(stock.Active)).Order("sku").Find(&rows).Error
		if err != nil {
			return fmt.Errorf("store: load reservations: %w", err)
		}
		at := s.at()
		for _, row := range rows {
			ok, err := settleOne(tx, toDomainReservation(row), settle, at)
			if err != nil {
				return err
			}
			if ok {
				settled++
			}
		}
		return nil
	})
	return settled, err
}

// settleOne moves one reservation out of active, guarded by its state, and applies its
// stock movement; it reports false when there was nothing to do.
func settleOne(tx *gorm.DB, r *stock.Reservation, settle func(*stock.Reservation) (stock.Movement, error), at db.Time) (bool, error) {
	m, err := settle(r)
	if errors.Is(err, stock.ErrReservationClosed) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	res := tx.Model(&reservationRow{}).
		Where("order_id = ? AND sku = ? AND state = ?", r.OrderID(), r.SKU(), string(stock.Active)).
		Updates(map[string]any{"state": string(r.State()), "updated_at": at})
	if res.Error != nil {
		return false, fmt.Errorf("store: settle reservation: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil // settled by a concurrent delivery
	}
	moved, err := move(tx, m, at)
	if err != nil {
		return false, err
	}
	if !moved {
		return false, fmt.Errorf("store: settling %d of %s for order %s: reserved stock is short", r.Quantity(), r.SKU(), r.OrderID())
	}
	return true, nil
}

// duplicateAs turns a unique-key collision into sentinel and wraps anything else.
func duplicateAs(err, sentinel error, doing string) error {
	if db.IsDuplicate(err) {
		return sentinel
	}
	return fmt.Errorf("store: %s: %w", doing, err)
}
