package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
)

var t0 = time.Date(2026, 11, 3, 10, 0, 0, 123456789, time.UTC)

func newPayment(t *testing.T, orderID string) *payment.Payment {
	t.Helper()
	p, err := payment.New(payment.Draft{
		OrderID: orderID, UserID: ids.New(), Amount: money.Money{Cents: 4599, Currency: "USD"},
		Provider: "sandbox", Now: t0,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustGet(t *testing.T, st *Store, id string) *payment.Payment {
	t.Helper()
	p, err := st.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// restored returns p's stored twin in status s, as if it had been saved that way.
func restored(p *payment.Payment, s payment.Status) *payment.Payment {
	snap := p.Snapshot()
	snap.Status = s
	return payment.Restore(snap)
}

func TestCreateThenGetKeepsEveryField(t *testing.T) {
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		st, ctx := New(gdb, nil), context.Background()
		p := newPayment(t, ids.New())
		if err := st.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := st.Get(ctx, p.ID())
		if err != nil {
			t.Fatal(err)
		}
		want := p.Snapshot()
		want.CreatedAt, want.UpdatedAt = t0.Truncate(time.Microsecond), t0.Truncate(time.Microsecond)
		if got.Snapshot() != want {
			t.Fatalf("loaded %+v\nwant   %+v", got.Snapshot(), want)
		}
		live, err := st.LiveForOrder(ctx, p.OrderID())
		if err != nil || live.ID() != p.ID() {
			t.Fatalf("LiveForOrder: %v, %v", live, err)
		}
	})
}

func TestMissingPaymentIsNotFound(t *testing.T) {
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		st, ctx := New(gdb, nil), context.Background()
		if _, err := st.Get(ctx, ids.New()); !errors.Is(err, payment.ErrNotFound) {
			t.Fatalf("Get: %v", err)
		}
		if _, err := st.LiveForOrder(ctx, ids.New()); !errors.Is(err, payment.ErrNotFound) {
			t.Fatalf("LiveForOrder: %v", err)
		}
	})
}

// Many concurrent creates for one order: the database lets exactly one through.
func TestOneLivePaymentPerOrderUnderConcurrency(t *testing.T) {
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		st, ctx, orderID := New(gdb, nil), context.Background(), ids.New()
		const n = 8
		errs := make([]error, n)
		payments := make([]*payment.Payment, n)
		var wg sync.WaitGroup
		for i := range n {
			payments[i] = newPayment(t, orderID)
			wg.Go(func() { errs[i] = st.Create(ctx, payments[i]) })
		}
		wg.Wait()
		var winner *payment.Payment
		for i, err := range errs {
			switch {
			case err == nil && winner == nil:
				winner = payments[i]
			case err == nil:
				t.Fatalf("two payments created for one order")
			case !errors.Is(err, payment.ErrOrderHasPayment):
				t.Fatalf("create %d: %v", i, err)
			}
		}
		if winner == nil {
			t.Fatal("no payment created")
		}
		live, err := st.LiveForOrder(ctx, orderID)
		if err != nil || live.ID() != winner.ID() {
			t.Fatalf("live payment %v (%v), want %s", live, err, winner.ID())
		}
		// Another order is not held back by this one.
		if err := st.Create(ctx, newPayment(t, ids.New())); err != nil {
			t.Fatalf("another order: %v", err)
		}
	})
}

// Only a live payment holds its order: once FAILED, a new payment may be made.
func TestFailedPaymentReleasesItsOrder(t *testing.T) {
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		st, ctx := New(gdb, nil), context.Background()
		orderID := ids.New()
		if err := st.Create(ctx, restored(newPayment(t, orderID), payment.StatusFailed)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.LiveForOrder(ctx, orderID); !errors.Is(err, payment.ErrNotFound) {
			t.Fatalf("a failed payment is live: %v", err)
		}
		if err := st.Create(ctx, newPayment(t, orderID)); err != nil {
			t.Fatalf("new payment after a failed one: %v", err)
		}
		for _, s := range []payment.Status{payment.StatusSucceeded, payment.StatusRefunded} {
			other := ids.New()
			if err := st.Create(ctx, restored(newPayment(t, other), s)); err != nil {
				t.Fatal(err)
			}
			if err := st.Create(ctx, newPayment(t, other)); !errors.Is(err, payment.ErrOrderHasPayment) {
				t.Fatalf("a %s payment must keep holding its order: %v", s, err)
			}
		}
	})
}

func TestSaveIsOptimistic(t *testing.T) {
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		st, ctx := New(gdb, nil), context.Background()
		p := newPayment(t, ids.New())
		if err := st.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		first, second := mustGet(t, st, p.ID()), mustGet(t, st, p.ID())
		later := t0.Add(time.Minute)
		if err := first.Succeed("txn-1", later); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx, first); err != nil {
			t.Fatal(err)
		}
		if err := second.Succeed("txn-2", later); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(ctx, second); !errors.Is(err, payment.ErrStale) {
			t.Fatalf("a save over a moved version: %v", err)
		}
		got := mustGet(t, st, p.ID())
		if got.Status() != payment.StatusSucceeded || got.ProviderTxnID() != "txn-1" ||
			got.Version() != p.Version()+1 || !got.UpdatedAt().Equal(later.Truncate(time.Microsecond)) {
			t.Fatalf("saved: %+v", got.Snapshot())
		}
	})
}

// One provider transaction, many payments racing to record it: exactly one wins.
func TestProviderTxnIsUniqueUnderConcurrency(t *testing.T) {
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		st, ctx := New(gdb, nil), context.Background()
		const n = 6
		payments := make([]*payment.Payment, n)
		for i := range n {
			payments[i] = newPayment(t, ids.New())
			if err := st.Create(ctx, payments[i]); err != nil {
				t.Fatal(err)
			}
			if err := payments[i].Succeed("txn-shared", t0); err != nil {
				t.Fatal(err)
			}
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = st.Save(ctx, payments[i]) })
		}
		wg.Wait()
		saved := 0
		for i, err := range errs {
			switch {
			case err == nil:
				saved++
			case !errors.Is(err, payment.ErrTxnTaken):
				t.Fatalf("save %d: %v", i, err)
			}
		}
		var succeeded int64
		if err := gdb.Table("payments").Where("status = ?", "SUCCEEDED").Count(&succeeded).Error; err != nil {
			t.Fatal(err)
		}
		if saved != 1 || succeeded != 1 {
			t.Fatalf("%d saves went through, %d payments succeeded; want 1 and 1", saved, succeeded)
		}
	})
}

// A save inside a transaction that rolls back leaves nothing behind: what txmsg relies
// on when the half message is rolled back.
func TestSaveInRolledBackTransactionLeavesNoTrace(t *testing.T) {
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		st, ctx := New(gdb, nil), context.Background()
		p := newPayment(t, ids.New())
		if err := st.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := p.Succeed("txn-rolled-back", t0); err != nil {
			t.Fatal(err)
		}
		rollback := errors.New("rollback")
		err := gdb.Transaction(func(tx *gorm.DB) error {
			if err := st.WithTx(tx).Save(ctx, p); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		got := mustGet(t, st, p.ID())
		if got.Status() != payment.StatusPending || got.ProviderTxnID() != "" {
			t.Fatalf("after rollback: %+v", got.Snapshot())
		}
	})
}

func TestOneRefundPerPayment(t *testing.T) {
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		st, ctx := New(gdb, nil), context.Background()
		paymentID := ids.New()
		refund := func() payment.Refund {
			return payment.Refund{
				ID: ids.New(), PaymentID: paymentID, ProviderRefundID: "sbx_rf_1",
				Amount: money.Money{Cents: 4599, Currency: "USD"}, Reason: "ORDER_CANCELLED", CreatedAt: t0,
			}
		}
		if err := st.CreateRefund(ctx, refund()); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateRefund(ctx, refund()); !errors.Is(err, payment.ErrAlreadyRefunded) {
			t.Fatalf("second refund: %v", err)
		}
	})
}

// The embedded migrations are what db.CheckCurrent measures a database against.
func TestSchemaBehindIsRefused(t *testing.T) {
	gdb, err := db.Open(db.Config{Driver: "sqlite", DSN: t.TempDir() + "/empty.db", MaxOpenConns: 1, ConnMaxLifetime: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	ctx := context.Background()
	if err := db.CheckCurrent(ctx, gdb, Migrations); !errors.Is(err, db.ErrSchemaBehind) {
		t.Fatalf("unmigrated: %v", err)
	}
	if err := db.Migrate(ctx, gdb, Migrations); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckCurrent(ctx, gdb, Migrations); err != nil {
		t.Fatalf("migrated: %v", err)
	}
}

// The schema's mq_tx_log serves pkg/txmsg's check-back: a committed local transaction
// is found (COMMIT), a missing one is not (ROLLBACK).
func TestTxLogAnswersCheckBacks(t *testing.T) {
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		ctx := context.Background()
		rec := txmsg.Record{TxID: ids.New(), Topic: "cartwheel_payment", Tag: "succeeded", CreatedAt: time.Now().UTC()}
		if err := gdb.Create(&rec).Error; err != nil {
			t.Fatal(err)
		}
		check := txmsg.Checker(gdb)
		old := time.Now().Add(-2 * txmsg.LocalTimeout)
		cases := []struct {
			name string
			txID string
			want mq.TxState
		}{
			{"committed", rec.TxID, mq.TxCommit},
			{"never_committed", ids.New(), mq.TxRollback},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				msg := &mq.Delivered{BornAt: old}
				msg.WithProperty(txmsg.PropTxID, c.txID)
				if got := check(ctx, msg); got != c.want {
					t.Fatalf("check-back answered %s, want %s", got, c.want)
				}
			})
		}
	})
}
