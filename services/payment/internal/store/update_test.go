package store

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/mqtest"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
)

// sending runs test on a store whose transactional messages go to a recorder, with one
// PENDING payment stored.
func sending(t *testing.T, test func(t *testing.T, st *Store, rec *mqtest.Recorder, p *payment.Payment)) {
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		rec := &mqtest.Recorder{}
		st := New(gdb, txmsg.NewSender(gdb, rec))
		p := newPayment(t, ids.New())
		if err := st.Create(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		test(t, st, rec, p)
	})
}

func succeed(p *payment.Payment) (payment.Event, error) {
	if err := p.Succeed("txn-1", t0); err != nil {
		return nil, err
	}
	return payment.PaymentSucceeded{Payment: p}, nil
}

func TestUpdatePaymentWritesAndSendsTogether(t *testing.T) {
	sending(t, func(t *testing.T, st *Store, rec *mqtest.Recorder, p *payment.Payment) {
		got, err := st.UpdatePayment(context.Background(), p.ID(), succeed)
		if err != nil {
			t.Fatal(err)
		}
		stored := mustGet(t, st, p.ID())
		if stored.Status() != payment.StatusSucceeded || got.Version() != stored.Version() {
			t.Errorf("stored %s v%d, returned v%d; want SUCCEEDED at the returned version", stored.Status(), stored.Version(), got.Version())
		}
		if rec.Tags() != eventsapi.TAG_SUCCEEDED || rec.Rollbacks() != 0 {
			t.Errorf("committed %q, %d rolled back; want one payment.succeeded", rec.Tags(), rec.Rollbacks())
		}
	})
}

func TestUpdatePaymentRuleErrorChangesNothing(t *testing.T) {
	sending(t, func(t *testing.T, st *Store, rec *mqtest.Recorder, p *payment.Payment) {
		refused := errors.New("refused")
		_, err := st.UpdatePayment(context.Background(), p.ID(), func(*payment.Payment) (payment.Event, error) { return nil, refused })
		if !errors.Is(err, refused) {
			t.Fatalf("UpdatePayment = %v, want the rule's error", err)
		}
		if s := mustGet(t, st, p.ID()).Status(); s != payment.StatusPending || rec.Tags() != "" || rec.Rollbacks() != 0 {
			t.Errorf("status %s, committed %q, %d rolled back; want nothing done", s, rec.Tags(), rec.Rollbacks())
		}
	})
}

// A write that lands between the read and the transaction rolls the message back, and the
// rule runs again on what that write left.
func TestUpdatePaymentRunsTheRuleAgainAfterALostRace(t *testing.T) {
	sending(t, func(t *testing.T, st *Store, rec *mqtest.Recorder, p *payment.Payment) {
		ctx, runs := context.Background(), 0
		_, err := st.UpdatePayment(ctx, p.ID(), func(p *payment.Payment) (payment.Event, error) {
			runs++
			if runs == 1 { // another writer saves the same version first
				if err := st.Save(ctx, mustGet(t, st, p.ID())); err != nil {
					t.Fatal(err)
				}
			}
			return succeed(p)
		})
		if err != nil {
			t.Fatal(err)
		}
		if runs != 2 || rec.Rollbacks() != 1 || rec.Tags() != eventsapi.TAG_SUCCEEDED {
			t.Errorf("%d runs, %d rolled back, committed %q; want the second run sent", runs, rec.Rollbacks(), rec.Tags())
		}
	})
}

func TestUpdatePaymentGivesUpWithErrStale(t *testing.T) {
	sending(t, func(t *testing.T, st *Store, rec *mqtest.Recorder, p *payment.Payment) {
		ctx := context.Background()
		_, err := st.UpdatePayment(ctx, p.ID(), func(p *payment.Payment) (payment.Event, error) {
			if err := st.Save(ctx, mustGet(t, st, p.ID())); err != nil { // every run loses
				t.Fatal(err)
			}
			return succeed(p)
		})
		if !errors.Is(err, payment.ErrStale) || rec.Rollbacks() != maxUpdateAttempts || rec.Tags() != "" {
			t.Errorf("UpdatePayment = %v, %d rolled back, committed %q; want ErrStale after %d attempts",
				err, rec.Rollbacks(), rec.Tags(), maxUpdateAttempts)
		}
	})
}

func TestUpdatePaymentRecordsTheRefundWithItsMessage(t *testing.T) {
	sending(t, func(t *testing.T, st *Store, rec *mqtest.Recorder, p *payment.Payment) {
		ctx := context.Background()
		if _, err := st.UpdatePayment(ctx, p.ID(), succeed); err != nil {
			t.Fatal(err)
		}
		refund := func(p *payment.Payment) (payment.Event, error) {
			if err := p.Refund(t0); err != nil {
				return nil, err
			}
			return payment.PaymentRefunded{Payment: p, Refund: payment.Refund{
				ID: ids.New(), PaymentID: p.ID(), ProviderRefundID: "sbx_rf_1", Amount: p.Amount(), Reason: "ORDER_CANCELLED", CreatedAt: t0,
			}}, nil
		}
		if _, err := st.UpdatePayment(ctx, p.ID(), refund); err != nil {
			t.Fatal(err)
		}
		records, err := st.ForOrder(ctx, p.OrderID())
		if err != nil || len(records) != 1 || records[0].Refund == nil || records[0].Payment.Status() != payment.StatusRefunded {
			t.Fatalf("ForOrder = %+v, %v; want the payment REFUNDED with its refund", records, err)
		}
		if rec.Tags() != eventsapi.TAG_SUCCEEDED+","+eventsapi.TAG_REFUNDED {
			t.Errorf("committed %q, want payment.succeeded then payment.refunded", rec.Tags())
		}
	})
}
