package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

// A time with a microsecond fraction: what both engines keep exactly.
var t0 = time.Date(2026, 11, 1, 12, 0, 0, 123456000, time.UTC)

const (
	userA = "0194f3a0-0000-7000-8000-0000000000aa"
	userB = "0194f3a0-0000-7000-8000-0000000000bb"
)

func usd(c int64) money.Money { return money.Money{Cents: c, Currency: "USD"} }

func newOrder(t *testing.T, userID string, createdAt time.Time) *order.Order {
	t.Helper()
	o, err := order.NewOrder(order.Draft{
		ID: ids.New(), UserID: userID, Currency: "USD",
		Lines: []order.Line{
			{SKU: "TEE-RED-M", Name: "Tée", Quantity: 2, UnitPrice: usd(1999)},
			{SKU: "MUG", Name: "Mug", Quantity: 1, UnitPrice: usd(850)},
		},
		Address:   order.Address{Recipient: "Ada", Line1: "1 Loop Rd", City: "Springfield", PostalCode: "12345", Country: "US"},
		CreatedAt: createdAt, PaymentDeadline: createdAt.Add(15 * time.Minute),
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// insert stores o under key, failing the test on error.
func (f *fixture) insert(t *testing.T, o *order.Order, key string) {
	t.Helper()
	p := order.Placement{Order: o, Key: key, Fingerprint: "fp-" + key}
	if err := f.store.InsertOrder(context.Background(), p, order.OrderCreated{ID: o.ID(), UserID: o.UserID()}); err != nil {
		t.Fatalf("insert: %v", err)
	}
}

// move applies rule to the stored order, failing the test on error.
func (f *fixture) move(t *testing.T, id string, rule func(*order.Order) error) {
	t.Helper()
	if _, err := f.store.UpdateOrder(context.Background(), id, rule); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func (f *fixture) count(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	if err := f.db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInsertAndReadOrder(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		o := newOrder(t, userA, t0)
		if err := f.store.InsertOrder(ctx, order.Placement{Order: o, Key: "k1", Fingerprint: "fp1"},
			order.OrderCreated{ID: o.ID(), UserID: userA, Lines: o.Lines(), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		got, err := f.store.Order(ctx, o.ID())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Snapshot(), o.Snapshot()) {
			t.Fatalf("read back\n%+v\nwant\n%+v", got.Snapshot(), o.Snapshot())
		}
		byKey, fp, err := f.store.OrderByKey(ctx, userA, "k1")
		if err != nil || byKey.ID() != o.ID() || fp != "fp1" {
			t.Fatalf("OrderByKey: %v %q %v", byKey, fp, err)
		}
		if _, _, err := f.store.OrderByKey(ctx, userB, "k1"); !errors.Is(err, order.ErrNotFound) {
			t.Fatalf("another user's key: got %v, want ErrNotFound", err)
		}
		if _, err := f.store.Order(ctx, ids.New()); !errors.Is(err, order.ErrNotFound) {
			t.Fatalf("unknown order: got %v, want ErrNotFound", err)
		}
		if f.producer.Tags() != eventsapi.TAG_CREATED {
			t.Fatalf("messages %q, want one created", f.producer.Tags())
		}
		var body eventsapi.OrderCreated
		if err := json.Unmarshal(f.producer.Committed()[0].Body, &body); err != nil || body.OrderId != o.ID() || len(body.Lines) != 2 {
			t.Fatalf("order.created body %+v, %v", body, err)
		}
	})
}

func TestInsertOrderKeyTaken(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		first, second := newOrder(t, userA, t0), newOrder(t, userA, t0)
		f.insert(t, first, "k1")
		err := f.store.InsertOrder(ctx, order.Placement{Order: second, Key: "k1"}, order.OrderCreated{ID: second.ID()})
		if !errors.Is(err, order.ErrIdempotencyKeyTaken) {
			t.Fatalf("got %v, want ErrIdempotencyKeyTaken", err)
		}
		if _, err := f.store.Order(ctx, second.ID()); !errors.Is(err, order.ErrNotFound) {
			t.Fatal("the second order was written")
		}
		if f.producer.Tags() != "created" || f.producer.Rollbacks() != 1 {
			t.Fatalf("committed %q, rolled back %d", f.producer.Tags(), f.producer.Rollbacks())
		}
		f.insert(t, newOrder(t, userB, t0), "k1") // keys are per user
	})
}

func TestInsertOrderConcurrentKey(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		const n = 8
		var wg sync.WaitGroup
		results := make([]error, n)
		for i := range n {
			wg.Go(func() {
				o := newOrder(t, userA, t0)
				results[i] = f.store.InsertOrder(context.Background(),
					order.Placement{Order: o, Key: "same"}, order.OrderCreated{ID: o.ID()})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range results {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, order.ErrIdempotencyKeyTaken):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if won != 1 || f.count(t, "orders") != 1 || f.count(t, "order_lines") != 2 || f.producer.Tags() != "created" {
			t.Fatalf("%d winners, %d orders, messages %q: want exactly one", won, f.count(t, "orders"), f.producer.Tags())
		}
	})
}

func TestUpdateOrderRerunsTheRuleAfterALostRace(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		o := newOrder(t, userA, t0)
		f.insert(t, o, "k")
		var seen []order.Status
		_, err := f.store.UpdateOrder(context.Background(), o.ID(), func(stale *order.Order) error {
			seen = append(seen, stale.Status())
			if len(seen) == 1 { // another writer commits between our read and our write
				f.move(t, o.ID(), func(fresh *order.Order) error { return fresh.MarkStockReserved(t0) })
			}
			return stale.RejectForStock(t0)
		})
		if !errors.Is(err, order.ErrIllegalTransition) {
			t.Fatalf("got %v: the rule should have seen the other write and refused", err)
		}
		if want := []order.Status{order.Pending, order.AwaitingPayment}; !reflect.DeepEqual(seen, want) {
			t.Fatalf("rule saw %v, want %v", seen, want)
		}
		got, _ := f.store.Order(context.Background(), o.ID())
		if got.Status() != order.AwaitingPayment || got.Snapshot().Version != 1 {
			t.Fatalf("status %s version %d", got.Status(), got.Snapshot().Version)
		}
	})
}

func TestUpdateOrderAndSendRollsBackTheLosingMessage(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		o := newOrder(t, userA, t0)
		f.insert(t, o, "k")
		f.move(t, o.ID(), func(o *order.Order) error { return o.MarkStockReserved(t0) })
		attempts := 0
		got, err := f.store.UpdateOrderAndSend(ctx, o.ID(), func(cur *order.Order) (order.Event, error) {
			if attempts++; attempts == 1 { // a mismatched payment is refunded meanwhile
				_, err := f.store.UpdateOrderAndSend(ctx, o.ID(), func(fresh *order.Order) (order.Event, error) {
					return fresh.ApplyPayment(order.Payment{ID: "pay-x", Amount: usd(1)}, t0)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			return cur.CancelByUser(t0.Add(time.Minute))
		})
		if err != nil || attempts != 2 || got.Status() != order.Cancelled || got.Snapshot().Version != 3 {
			t.Fatalf("got %v after %d attempts: %v", got, attempts, err)
		}
		if tags := f.producer.Tags(); tags != "created,refund_requested,cancelled" || f.producer.Rollbacks() != 1 {
			t.Fatalf("committed %q, %d rolled back", tags, f.producer.Rollbacks())
		}
		stored, _ := f.store.Order(ctx, o.ID())
		if !reflect.DeepEqual(stored.Snapshot(), got.Snapshot()) {
			t.Fatalf("returned order differs from the stored one:\n%+v\n%+v", got.Snapshot(), stored.Snapshot())
		}
	})
}

func TestUpdateOrderGivesUpUnderConstantContention(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		o := newOrder(t, userA, t0)
		f.insert(t, o, "k")
		f.move(t, o.ID(), func(o *order.Order) error { return o.MarkStockReserved(t0) })
		attempts := 0
		_, err := f.store.UpdateOrderAndSend(context.Background(), o.ID(), func(cur *order.Order) (order.Event, error) {
			attempts++
			f.move(t, o.ID(), func(*order.Order) error { return nil }) // a competing write every time
			return cur.CancelByUser(t0)
		})
		if !errors.Is(err, order.ErrConcurrentUpdate) || attempts != maxUpdateAttempts {
			t.Fatalf("got %v after %d attempts", err, attempts)
		}
		if f.producer.Rollbacks() != maxUpdateAttempts {
			t.Fatalf("%d messages rolled back, want %d", f.producer.Rollbacks(), maxUpdateAttempts)
		}
	})
}

func TestUpdateOrderRuleErrorWritesNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		o := newOrder(t, userA, t0)
		f.insert(t, o, "k")
		_, err := f.store.UpdateOrderAndSend(context.Background(), o.ID(), func(cur *order.Order) (order.Event, error) {
			return cur.CancelByUser(t0) // PENDING cannot be cancelled by its user
		})
		if !errors.Is(err, order.ErrStockNotSettled) {
			t.Fatalf("got %v", err)
		}
		got, _ := f.store.Order(context.Background(), o.ID())
		if got.Snapshot().Version != 0 || f.producer.Tags() != "created" || f.producer.Rollbacks() != 0 {
			t.Fatalf("version %d, messages %q", got.Snapshot().Version, f.producer.Tags())
		}
	})
}

func TestRefundRequestedOnceUnderConcurrentRedelivery(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		o := newOrder(t, userA, t0)
		f.insert(t, o, "k")
		f.move(t, o.ID(), func(o *order.Order) error { return o.RejectForStock(t0) })
		const n = 6
		results := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, results[i] = f.store.UpdateOrderAndSend(context.Background(), o.ID(), func(cur *order.Order) (order.Event, error) {
					return cur.ApplyPayment(order.Payment{ID: "pay-late", Amount: usd(4848)}, t0)
				})
			})
		}
		wg.Wait()
		applied := 0
		for _, err := range results {
			switch {
			case err == nil:
				applied++
			case !errors.Is(err, order.ErrAlreadyApplied):
				t.Errorf("unexpected: %v", err)
			}
		}
		if applied != 1 || f.count(t, "order_refund_requests") != 1 || f.producer.Tags() != "created,refund_requested" {
			t.Fatalf("%d applied, %d refund rows, messages %q", applied, f.count(t, "order_refund_requests"), f.producer.Tags())
		}
		got, _ := f.store.Order(context.Background(), o.ID())
		if !reflect.DeepEqual(got.Snapshot().Refunds, []string{"pay-late"}) {
			t.Fatalf("refunds %v", got.Snapshot().Refunds)
		}
	})
}

func TestShipmentAndReceiptRoundTrip(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		o := newOrder(t, userA, t0)
		f.insert(t, o, "k")
		shipment := order.Shipment{Carrier: "Poste Française", TrackingNo: "LA123", ShippedAt: t0.Add(time.Hour)}
		for _, rule := range []func(*order.Order) error{
			func(o *order.Order) error { return o.MarkStockReserved(t0) },
			func(o *order.Order) error {
				_, err := o.ApplyPayment(order.Payment{ID: "pay-1", Amount: o.Total()}, t0)
				return err
			},
			func(o *order.Order) error { return o.Ship(shipment) },
			func(o *order.Order) error { return o.ConfirmReceipt(t0.Add(48 * time.Hour)) },
		} {
			f.move(t, o.ID(), rule)
		}
		got, _ := f.store.Order(context.Background(), o.ID())
		s := got.Snapshot()
		if s.Status != order.Received || s.PaymentID != "pay-1" || *s.Shipment != shipment ||
			!s.ReceivedAt.Equal(t0.Add(48*time.Hour)) || s.Version != 4 {
			t.Fatalf("read back %+v", s)
		}
	})
}

func TestListOrdersPagesNewestFirst(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		// Two orders share a creation time; the id breaks the tie.
		times := []time.Duration{0, time.Second, time.Second, 2 * time.Second, 3*time.Second + 500*time.Microsecond}
		var want []string // newest first
		for i, d := range times {
			o := newOrder(t, userA, t0.Add(d))
			f.insert(t, o, fmt.Sprintf("k%d", i))
			want = append([]string{o.ID()}, want...)
		}
		if want[2] < want[3] { // same time: the larger id comes first
			want[2], want[3] = want[3], want[2]
		}
		f.insert(t, newOrder(t, userB, t0.Add(time.Second)), "other-user")
		var got []string
		var after *order.Cursor
		for page := 0; page < 5; page++ {
			orders, err := f.store.ListOrders(ctx, userA, "", after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range orders {
				got = append(got, o.ID())
			}
			if len(orders) < 2 {
				break
			}
			last := orders[len(orders)-1].Snapshot()
			after = &order.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("pages gave\n%v\nwant\n%v", got, want)
		}
		f.move(t, want[1], func(o *order.Order) error { return o.RejectForStock(t0) })
		cancelled, err := f.store.ListOrders(ctx, userA, order.Cancelled, nil, 10)
		if err != nil || len(cancelled) != 1 || cancelled[0].ID() != want[1] || len(cancelled[0].Lines()) != 2 {
			t.Fatalf("status filter: %v %v", cancelled, err)
		}
		everyone, err := f.store.ListOrders(ctx, "", "", nil, 10)
		if err != nil || len(everyone) != len(times)+1 {
			t.Fatalf("every user's orders: %d %v", len(everyone), err)
		}
	})
}

func TestDueOrders(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		var awaiting []string
		for i := range 3 {
			o := newOrder(t, userA, t0.Add(time.Duration(i)*time.Minute)) // deadlines 12:15, 12:16, 12:17
			f.insert(t, o, fmt.Sprintf("k%d", i))
			f.move(t, o.ID(), func(o *order.Order) error { return o.MarkStockReserved(t0) })
			awaiting = append(awaiting, o.ID())
		}
		f.insert(t, newOrder(t, userA, t0), "pending") // PENDING has no clock the sweeper reads
		cases := []struct {
			name   string
			cutoff time.Time
			limit  int
			want   []string
		}{
			{"none_due", t0.Add(15*time.Minute - time.Microsecond), 10, nil},
			{"at_the_deadline", t0.Add(15 * time.Minute), 10, awaiting[:1]},
			{"oldest_first", t0.Add(time.Hour), 10, awaiting},
			{"limited", t0.Add(time.Hour), 2, awaiting[:2]},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := f.store.DueOrders(ctx, order.AwaitingPayment, tc.cutoff, tc.limit)
				if err != nil || !slices.Equal(got, tc.want) {
					t.Fatalf("got %v %v, want %v", got, err, tc.want)
				}
			})
		}
		if _, err := f.store.DueOrders(ctx, order.Pending, t0, 1); err == nil {
			t.Fatal("PENDING has no clock, yet DueOrders answered")
		}
	})
}

func TestMigrationsMakeTheSchemaCurrent(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		if err := db.CheckCurrent(context.Background(), f.db, Migrations); err != nil {
			t.Fatalf("after Migrate: %v", err)
		}
	})
	fresh := dbtest.Open(t, dbtest.Engines(t)[0].Config)
	if err := db.CheckCurrent(context.Background(), fresh, Migrations); !errors.Is(err, db.ErrSchemaBehind) {
		t.Fatalf("empty database: got %v, want ErrSchemaBehind", err)
	}
}

// TestCheckBackAnswersFromTheTxLog checks that the schema carries what pkg/txmsg needs:
// the broker's check-back finds the row a committed local transaction wrote.
func TestCheckBackAnswersFromTheTxLog(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.insert(t, newOrder(t, userA, t0), "k")
		committed := f.producer.Committed()[0]
		check := txmsg.Checker(f.db)
		old := time.Now().Add(-2 * txmsg.LocalTimeout)
		if got := check(context.Background(), &mq.Delivered{Message: committed, BornAt: old}); got != mq.TxCommit {
			t.Fatalf("committed transaction checked back as %s", got)
		}
		unknown := mq.Message{Topic: committed.Topic, Tags: committed.Tags}
		unknown.WithProperty(txmsg.PropTxID, ids.New())
		if got := check(context.Background(), &mq.Delivered{Message: unknown, BornAt: old}); got != mq.TxRollback {
			t.Fatalf("unknown transaction checked back as %s", got)
		}
	})
}
