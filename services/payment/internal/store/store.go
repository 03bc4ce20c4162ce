// Package store keeps payments and refunds in SQL through GORM, on SQLite or MySQL,
// translating driver errors into the payment package's sentinels, and sends the payment's
// transactional messages inside the transactions that cause them.
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/events"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the schema history for db.Migrate and db.CheckCurrent.
var Migrations = db.MigrationsIn(migrationFiles, "migrations")

// maxUpdateAttempts bounds the re-reads of one update when concurrent writes beat it to
// the row; each retry sees the newer state, so a second attempt normally settles it.
const maxUpdateAttempts = 3

// Store implements payment.Storer.
type Store struct {
	db     *gorm.DB
	sender *txmsg.Sender
}

var _ payment.Storer = (*Store)(nil)

// New uses gdb for data and sender for the transactional messages; sender's producer
// must check back with txmsg.Checker on the same database.
func New(gdb *gorm.DB, sender *txmsg.Sender) *Store { return &Store{db: gdb, sender: sender} }

// WithTx returns the store working inside tx, so a save can share a transaction with
// its message's tx-log row.
func (s *Store) WithTx(tx *gorm.DB) *Store { return &Store{db: tx, sender: s.sender} }

// UpdatePayment implements payment.Storer. The rule runs on a fresh read before the
// transaction, because a transactional message is fixed before its local transaction
// starts and the rule decides which message to send; the save is conditional on the
// version that read saw, so the rule's decision and the write meet as if under a lock.
func (s *Store) UpdatePayment(ctx context.Context, id string, rule func(*payment.Payment) (payment.Event, error)) (*payment.Payment, error) {
	for range maxUpdateAttempts {
		p, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		ev, err := rule(p)
		if err != nil {
			return nil, err
		}
		err = s.inTx(ctx, ev, func(tx *gorm.DB) error {
			st := s.WithTx(tx)
			if err := st.Save(ctx, p); err != nil {
				return err
			}
			if refunded, ok := ev.(payment.PaymentRefunded); ok {
				return st.CreateRefund(ctx, refunded.Refund)
			}
			return nil
		})
		if errors.Is(err, payment.ErrStale) {
			continue
		}
		if err != nil {
			return nil, err
		}
		snap := p.Snapshot()
		snap.Version++ // what Save wrote
		return payment.Restore(snap), nil
	}
	return nil, fmt.Errorf("store: payment %s: %w", id, payment.ErrStale)
}

// inTx runs fn in one database transaction; with an event, as the local transaction of
// the event's message, so the message leaves if and only if fn's writes commit.
func (s *Store) inTx(ctx context.Context, ev payment.Event, fn func(tx *gorm.DB) error) error {
	msg, err := events.Encode(ev)
	if err != nil {
		return err
	}
	return s.sender.Transaction(ctx, msg, fn)
}

// Create inserts p.
func (s *Store) Create(ctx context.Context, p *payment.Payment) error {
	row := toRow(p)
	err := s.db.WithContext(ctx).Create(&row).Error
	if db.IsDuplicate(err) {
		// ids are fresh and a new payment has no provider transaction, so the only key
		// that can collide is the live order.
		return payment.ErrOrderHasPayment
	}
	if err != nil {
		return fmt.Errorf("store: create payment: %w", err)
	}
	return nil
}

// Get loads a payment by id.
func (s *Store) Get(ctx context.Context, id string) (*payment.Payment, error) {
	return s.take(ctx, "id = ?", id)
}

// LiveForOrder loads the order's payment that is not FAILED.
func (s *Store) LiveForOrder(ctx context.Context, orderID string) (*payment.Payment, error) {
	return s.take(ctx, "live_order_id = ?", orderID)
}

// ForOrder loads the order's payments, oldest first, with their refunds.
func (s *Store) ForOrder(ctx context.Context, orderID string) ([]payment.Record, error) {
	var rows []paymentRow
	err := s.db.WithContext(ctx).Where("order_id = ?", orderID).Order("created_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: list payments: %w", err)
	}
	out := make([]payment.Record, len(rows))
	paymentIDs := make([]string, len(rows))
	at := make(map[string]int, len(rows))
	for i, r := range rows {
		out[i].Payment = toDomain(r)
		paymentIDs[i] = r.ID
		at[r.ID] = i
	}
	if len(rows) == 0 {
		return out, nil
	}
	var refunds []refundRow
	if err := s.db.WithContext(ctx).Where("payment_id IN ?", paymentIDs).Find(&refunds).Error; err != nil {
		return nil, fmt.Errorf("store: list refunds: %w", err)
	}
	for _, r := range refunds {
		out[at[r.PaymentID]].Refund = &payment.Refund{
			ID: r.ID, PaymentID: r.PaymentID, ProviderRefundID: r.ProviderRefundID,
			Amount: money.Money{Cents: r.AmountCents, Currency: r.Currency}, Reason: r.Reason,
			CreatedAt: r.CreatedAt.Time,
		}
	}
	return out, nil
}

func (s *Store) take(ctx context.Context, where string, arg string) (*payment.Payment, error) {
	var row paymentRow
	err := s.db.WithContext(ctx).Where(where, arg).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, payment.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: load payment: %w", err)
	}
	return toDomain(row), nil
}

// Save writes p's state over the version it was loaded at: payment.ErrStale when the
// row moved on since (a concurrent save won), payment.ErrTxnTaken when p's provider
// transaction is recorded on another payment.
func (s *Store) Save(ctx context.Context, p *payment.Payment) error {
	row := toRow(p)
	res := s.db.WithContext(ctx).Model(&paymentRow{}).
		Where("id = ? AND version = ?", row.ID, row.Version).
		Updates(map[string]any{
			"status":          row.Status,
			"provider_txn_id": row.ProviderTxnID,
			"live_order_id":   row.LiveOrderID,
			"version":         row.Version + 1,
			"updated_at":      row.UpdatedAt,
		})
	if db.IsDuplicate(res.Error) {
		return payment.ErrTxnTaken
	}
	if res.Error != nil {
		return fmt.Errorf("store: save payment: %w", res.Error)
	}
	// Every save bumps the version, so a matched row is always a changed row, even on
	// MySQL, which counts changed rather than matched rows.
	if res.RowsAffected == 0 {
		return payment.ErrStale
	}
	return nil
}

// CreateRefund inserts r; payment.ErrAlreadyRefunded when its payment has a refund.
func (s *Store) CreateRefund(ctx context.Context, r payment.Refund) error {
	row := refundRow{
		ID: r.ID, PaymentID: r.PaymentID, ProviderRefundID: r.ProviderRefundID,
		AmountCents: r.Amount.Cents, Currency: r.Amount.Currency, Reason: r.Reason,
		CreatedAt: db.NewTime(r.CreatedAt),
	}
	err := s.db.WithContext(ctx).Create(&row).Error
	if db.IsDuplicate(err) {
		return payment.ErrAlreadyRefunded
	}
	if err != nil {
		return fmt.Errorf("store: create refund: %w", err)
	}
	return nil
}

// paymentRow is the payments table.
type paymentRow struct {
	ID            string  `gorm:"column:id;primaryKey"`
	OrderID       string  `gorm:"column:order_id"`
	UserID        string  `gorm:"column:user_id"`
	Status        string  `gorm:"column:status"`
	AmountCents   int64   `gorm:"column:amount_cents"`
	Currency      string  `gorm:"column:currency"`
	Provider      string  `gorm:"column:provider"`
	CheckoutURL   string  `gorm:"column:checkout_url"`
	ProviderTxnID *string `gorm:"column:provider_txn_id"`
	LiveOrderID   *string `gorm:"column:live_order_id"`
	Version       int64   `gorm:"column:version"`
	CreatedAt     db.Time `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt     db.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (paymentRow) TableName() string { return "payments" }

// refundRow is the refunds table.
type refundRow struct {
	ID               string  `gorm:"column:id;primaryKey"`
	PaymentID        string  `gorm:"column:payment_id"`
	ProviderRefundID string  `gorm:"column:provider_refund_id"`
	AmountCents      int64   `gorm:"column:amount_cents"`
	Currency         string  `gorm:"column:currency"`
	Reason           string  `gorm:"column:reason"`
	CreatedAt        db.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (refundRow) TableName() string { return "refunds" }

func toRow(p *payment.Payment) paymentRow {
	s := p.Snapshot()
	row := paymentRow{
		ID: s.ID, OrderID: s.OrderID, UserID: s.UserID, Status: string(s.Status),
		AmountCents: s.Amount.Cents, Currency: s.Amount.Currency, Provider: s.Provider,
		CheckoutURL: s.CheckoutURL, ProviderTxnID: nullable(s.ProviderTxnID), Version: s.Version,
		CreatedAt: db.NewTime(s.CreatedAt), UpdatedAt: db.NewTime(s.UpdatedAt),
	}
	if s.Status != payment.StatusFailed {
		row.LiveOrderID = nullable(s.OrderID)
	}
	return row
}

func toDomain(r paymentRow) *payment.Payment {
	s := payment.Snapshot{
		ID: r.ID, OrderID: r.OrderID, UserID: r.UserID, Status: payment.Status(r.Status),
		Amount: money.Money{Cents: r.AmountCents, Currency: r.Currency}, Provider: r.Provider,
		CheckoutURL: r.CheckoutURL, Version: r.Version,
		CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time,
	}
	if r.ProviderTxnID != nil {
		s.ProviderTxnID = *r.ProviderTxnID
	}
	return payment.Restore(s)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
