package order

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestProtocolStockAnswers(t *testing.T) {
	cases := []struct {
		name       string
		from       Status
		apply      func(*Service, context.Context, string) error
		wantStatus Status
		wantReason CancelReason
	}{
		{"reserved_awaits_payment", Pending, (*Service).StockReserved, AwaitingPayment, ""},
		{"rejected_cancels", Pending, (*Service).StockRejected, Cancelled, OutOfStock},
		{"reserved_again_is_ignored", AwaitingPayment, (*Service).StockReserved, AwaitingPayment, ""},
		{"rejected_after_payment_is_ignored", Paid, (*Service).StockRejected, Paid, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			o := orderIn(tc.from)
			h.store.put(o)
			if err := tc.apply(h.svc, context.Background(), o.id); err != nil {
				t.Fatalf("not acknowledged: %v", err)
			}
			got, _ := h.store.Order(context.Background(), o.id)
			if got.Status() != tc.wantStatus || got.CancelReason() != tc.wantReason {
				t.Fatalf("status %s/%s, want %s/%s", got.Status(), got.CancelReason(), tc.wantStatus, tc.wantReason)
			}
			if len(h.store.events) != 0 {
				t.Fatalf("stock answers send nothing, sent %+v", h.store.events)
			}
		})
	}
}

func TestProtocolUnknownOrder(t *testing.T) {
	h := newHarness(t)
	if err := h.svc.StockReserved(context.Background(), "0194f3a0-0000-7000-8000-00000000dead"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func TestPaymentTimedOut(t *testing.T) {
	deadline := t0.Add(15 * time.Minute)
	cases := []struct {
		name        string
		from        Status
		now         time.Time
		wantErr     error
		wantStatus  Status
		wantEvent   bool
		wantResched time.Duration
	}{
		{"due_cancels_and_releases", AwaitingPayment, deadline, nil, Cancelled, true, 0},
		{"early_waits_for_the_rest", AwaitingPayment, deadline.Add(-time.Minute), nil, AwaitingPayment, false, time.Minute},
		{"pending_is_redelivered", Pending, deadline, ErrStockNotSettled, Pending, false, 0},
		{"paid_is_ignored", Paid, deadline, nil, Paid, false, 0},
		{"cancelled_is_ignored", Cancelled, deadline, nil, Cancelled, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			o := orderIn(tc.from)
			h.store.put(o)
			h.now = tc.now
			err := h.svc.PaymentTimedOut(context.Background(), o.id)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if st := h.store.status(t, o.id); st != tc.wantStatus {
				t.Fatalf("status %s, want %s", st, tc.wantStatus)
			}
			if tc.wantEvent != (len(h.store.events) == 1) {
				t.Fatalf("events %+v", h.store.events)
			}
			if tc.wantEvent && h.store.events[0] != (OrderCancelled{ID: o.id, Reason: PaymentTimeout}) {
				t.Fatalf("event %+v", h.store.events[0])
			}
			var want []scheduled
			if tc.wantResched > 0 {
				want = []scheduled{{o.id, tc.wantResched}}
			}
			if !reflect.DeepEqual(h.timeouts.sent, want) {
				t.Fatalf("rescheduled %+v, want %+v", h.timeouts.sent, want)
			}
		})
	}
}

func TestPaymentSucceededRefundsALatePaymentOnce(t *testing.T) {
	h := newHarness(t)
	o := orderIn(Cancelled)
	h.store.put(o)
	p := Payment{ID: "pay-late", OrderID: o.id, Amount: usd(2500)}
	for delivery := 1; delivery <= 2; delivery++ {
		if err := h.svc.PaymentSucceeded(context.Background(), p); err != nil {
			t.Fatalf("delivery %d not acknowledged: %v", delivery, err)
		}
	}
	want := []Event{RefundRequested{ID: o.id, PaymentID: "pay-late", Reason: RefundOrderCancelled}}
	if !reflect.DeepEqual(h.store.events, want) {
		t.Fatalf("events %+v, want %+v", h.store.events, want)
	}
}

func TestPaymentSucceededWhilePendingIsRedelivered(t *testing.T) {
	h := newHarness(t)
	o := orderIn(Pending)
	h.store.put(o)
	err := h.svc.PaymentSucceeded(context.Background(), Payment{ID: "p", OrderID: o.id, Amount: usd(2500)})
	if !errors.Is(err, ErrStockNotSettled) || len(h.store.events) != 0 {
		t.Fatalf("got %v and events %+v", err, h.store.events)
	}
}

func TestSweep(t *testing.T) {
	h := newHarness(t)
	now := t0.Add(30 * 24 * time.Hour) // far past every clock of orderIn
	awaiting, fresh := orderIn(AwaitingPayment), orderIn(AwaitingPayment)
	fresh.id, fresh.paymentDeadline = "fresh", now.Add(-SweepGrace/2) // within the grace
	shipped, received, paid := orderIn(Shipped), orderIn(Received), orderIn(Paid)
	shipped.id, received.id, paid.id = "shipped", "received", "paid"
	for _, o := range []*Order{awaiting, fresh, shipped, received, paid} {
		h.store.put(o)
	}
	rep, err := h.svc.Sweep(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if rep != (SweepReport{Expired: 1, Received: 1, Completed: 1}) {
		t.Fatalf("report %+v", rep)
	}
	for id, want := range map[string]Status{
		awaiting.id: Cancelled, "fresh": AwaitingPayment, "shipped": Received, "received": Completed, "paid": Paid,
	} {
		if got := h.store.status(t, id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	if want := []Event{OrderCancelled{ID: awaiting.id, Reason: PaymentTimeout}}; !reflect.DeepEqual(h.store.events, want) {
		t.Fatalf("events %+v, want %+v", h.store.events, want)
	}
}

func TestSweepIsBatchLimited(t *testing.T) {
	h := newHarness(t)
	h.svc.policy.SweepBatch = 2
	for _, id := range []string{"a", "b", "c"} {
		o := orderIn(AwaitingPayment)
		o.id = id
		h.store.put(o)
	}
	now := t0.Add(time.Hour)
	for i, want := range []int{2, 1, 0} {
		rep, err := h.svc.Sweep(context.Background(), now)
		if err != nil || rep.Expired != want {
			t.Fatalf("sweep %d: %+v %v, want %d expired", i+1, rep, err, want)
		}
	}
}
