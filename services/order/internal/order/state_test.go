package order

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// orderIn returns a two-line order (total 25.00 USD) in status st, with the fields
// that status implies.
func orderIn(st Status) *Order {
	s := Snapshot{
		ID: "0194f3a0-0000-7000-8000-000000000001", UserID: "0194f3a0-0000-7000-8000-0000000000aa",
		Status: st, Total: money.Money{Cents: 2500, Currency: "USD"},
		Lines: []Line{
			{SKU: "TEE-RED-M", Name: "Tee", Quantity: 2, UnitPrice: money.Money{Cents: 1000, Currency: "USD"}},
			{SKU: "MUG", Name: "Mug", Quantity: 1, UnitPrice: money.Money{Cents: 500, Currency: "USD"}},
		},
		PaymentDeadline: t0.Add(15 * time.Minute), CreatedAt: t0, UpdatedAt: t0, Version: 3,
	}
	switch st {
	case Paid:
		s.PaymentID = "pay-1"
	case Shipped, Received, Completed:
		s.PaymentID = "pay-1"
		s.Shipment = &Shipment{Carrier: "UPS", TrackingNo: "1Z", ShippedAt: t0.Add(time.Hour)}
	case Cancelled:
		s.CancelReason = PaymentTimeout
	}
	if st == Received || st == Completed {
		s.ReceivedAt = t0.Add(48 * time.Hour)
	}
	return Restore(s)
}

// TestStateMachineEveryPair tries every (from, to, reason) and expects exactly the
// whitelist of ARCHITECTURE.md §5 to pass. The legal set is spelled out here on purpose,
// independently of allowed().
func TestStateMachineEveryPair(t *testing.T) {
	legal := map[string]bool{
		"PENDING->AWAITING_PAYMENT/":                  true,
		"PENDING->CANCELLED/OUT_OF_STOCK":             true,
		"AWAITING_PAYMENT->PAID/":                     true,
		"AWAITING_PAYMENT->CANCELLED/PAYMENT_TIMEOUT": true,
		"AWAITING_PAYMENT->CANCELLED/USER_CANCELLED":  true,
		"PAID->SHIPPED/":                              true,
		"SHIPPED->RECEIVED/":                          true,
		"RECEIVED->COMPLETED/":                        true,
	}
	reasons := []CancelReason{"", OutOfStock, PaymentTimeout, UserCancelled}
	tried := 0
	for _, from := range Statuses() {
		for _, to := range Statuses() {
			for _, reason := range reasons {
				name := fmt.Sprintf("%s->%s/%s", from, to, reason)
				tried++
				t.Run(name, func(t *testing.T) {
					o := orderIn(from)
					now := t0.Add(time.Minute)
					err := o.moveTo(to, reason, now)
					if legal[name] {
						if err != nil {
							t.Fatalf("legal transition refused: %v", err)
						}
						if o.status != to || o.cancelReason != reason || !o.updatedAt.Equal(now) {
							t.Fatalf("after move: status %s reason %q updated %v", o.status, o.cancelReason, o.updatedAt)
						}
						return
					}
					if !errors.Is(err, ErrIllegalTransition) {
						t.Fatalf("illegal transition: got %v, want ErrIllegalTransition", err)
					}
					if o.status != from || !o.updatedAt.Equal(t0) {
						t.Fatalf("a refused transition changed the order: %s, %v", o.status, o.updatedAt)
					}
				})
			}
		}
	}
	if want := 8 * 8 * 4; tried != want {
		t.Fatalf("tried %d combinations, want %d", tried, want)
	}
}

func TestRefusalsOutOfPendingSayStockNotSettled(t *testing.T) {
	for _, to := range []Status{Paid, Shipped, Received, Completed, Refunded} {
		t.Run(string(to), func(t *testing.T) {
			err := orderIn(Pending).moveTo(to, "", t0)
			if !errors.Is(err, ErrStockNotSettled) {
				t.Fatalf("got %v, want ErrStockNotSettled", err)
			}
		})
	}
}

func TestNoTransitionReachesRefunded(t *testing.T) {
	for _, from := range Statuses() {
		for _, reason := range []CancelReason{"", OutOfStock, PaymentTimeout, UserCancelled} {
			if allowed(from, Refunded, reason) {
				t.Errorf("%s -> REFUNDED (%q) is allowed; it is reserved for returns", from, reason)
			}
		}
	}
}

func TestCancelByUser(t *testing.T) {
	cases := []struct {
		name    string
		from    Status
		wantErr error
	}{
		{"awaiting_payment_cancels", AwaitingPayment, nil},
		{"pending_is_not_settled", Pending, ErrStockNotSettled},
		{"paid_is_too_late", Paid, ErrIllegalTransition},
		{"cancelled_twice", Cancelled, ErrIllegalTransition},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := orderIn(tc.from)
			ev, err := o.CancelByUser(t0)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if ev != nil || o.status != tc.from {
					t.Fatalf("refusal changed something: event %v, status %s", ev, o.status)
				}
				return
			}
			want := OrderCancelled{ID: o.id, Reason: UserCancelled}
			if ev != want || o.status != Cancelled || o.cancelReason != UserCancelled {
				t.Fatalf("event %+v status %s reason %s", ev, o.status, o.cancelReason)
			}
		})
	}
}

func TestExpire(t *testing.T) {
	deadline := t0.Add(15 * time.Minute)
	cases := []struct {
		name    string
		from    Status
		now     time.Time
		wantErr error
	}{
		{"at_deadline_cancels", AwaitingPayment, deadline, nil},
		{"after_deadline_cancels", AwaitingPayment, deadline.Add(time.Hour), nil},
		{"before_deadline_is_not_due", AwaitingPayment, deadline.Add(-time.Microsecond), ErrNotDue},
		{"pending_waits_for_stock", Pending, deadline.Add(time.Hour), ErrStockNotSettled},
		{"paid_in_time", Paid, deadline.Add(time.Hour), ErrIllegalTransition},
		{"already_cancelled", Cancelled, deadline.Add(time.Hour), ErrIllegalTransition},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := orderIn(tc.from)
			ev, err := o.Expire(tc.now)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if ev != nil || o.status != tc.from {
					t.Fatalf("refusal changed something: event %v, status %s", ev, o.status)
				}
				return
			}
			if ev != (OrderCancelled{ID: o.id, Reason: PaymentTimeout}) || o.status != Cancelled {
				t.Fatalf("event %+v status %s", ev, o.status)
			}
		})
	}
}

func TestApplyPayment(t *testing.T) {
	usd := func(c int64) money.Money { return money.Money{Cents: c, Currency: "USD"} }
	cases := []struct {
		name       string
		order      func() *Order
		payment    Payment
		wantErr    error
		wantEvent  Event
		wantStatus Status
	}{
		{"exact_amount_pays", func() *Order { return orderIn(AwaitingPayment) },
			Payment{ID: "pay-9", Amount: usd(2500)}, nil, OrderPaid{PaymentID: "pay-9"}, Paid},
		{"short_amount_is_refunded", func() *Order { return orderIn(AwaitingPayment) },
			Payment{ID: "pay-9", Amount: usd(2499)}, nil,
			RefundRequested{PaymentID: "pay-9", Reason: RefundAmountMismatch}, AwaitingPayment},
		{"other_currency_is_refunded", func() *Order { return orderIn(AwaitingPayment) },
			Payment{ID: "pay-9", Amount: money.Money{Cents: 2500, Currency: "EUR"}}, nil,
			RefundRequested{PaymentID: "pay-9", Reason: RefundAmountMismatch}, AwaitingPayment},
		{"late_payment_is_refunded", func() *Order { return orderIn(Cancelled) },
			Payment{ID: "pay-9", Amount: usd(2500)}, nil,
			RefundRequested{PaymentID: "pay-9", Reason: RefundOrderCancelled}, Cancelled},
		{"second_payment_is_refunded", func() *Order { return orderIn(Paid) },
			Payment{ID: "pay-2", Amount: usd(2500)}, nil,
			RefundRequested{PaymentID: "pay-2", Reason: RefundDuplicatePayment}, Paid},
		{"second_payment_after_shipping_is_refunded", func() *Order { return orderIn(Shipped) },
			Payment{ID: "pay-2", Amount: usd(2500)}, nil,
			RefundRequested{PaymentID: "pay-2", Reason: RefundDuplicatePayment}, Shipped},
		{"same_payment_again_is_applied", func() *Order { return orderIn(Paid) },
			Payment{ID: "pay-1", Amount: usd(2500)}, ErrAlreadyApplied, nil, Paid},
		{"refund_already_requested", func() *Order {
			o := orderIn(Cancelled)
			o.refunds = []string{"pay-9"}
			return o
		}, Payment{ID: "pay-9", Amount: usd(2500)}, ErrAlreadyApplied, nil, Cancelled},
		{"pending_waits_for_stock", func() *Order { return orderIn(Pending) },
			Payment{ID: "pay-9", Amount: usd(2500)}, ErrStockNotSettled, nil, Pending},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.order()
			ev, err := o.ApplyPayment(tc.payment, t0.Add(time.Minute))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			switch want := tc.wantEvent.(type) {
			case OrderPaid:
				want.ID = o.id
				tc.wantEvent = want
			case RefundRequested:
				want.ID = o.id
				tc.wantEvent = want
			}
			if ev != tc.wantEvent {
				t.Fatalf("event %#v, want %#v", ev, tc.wantEvent)
			}
			if o.status != tc.wantStatus {
				t.Fatalf("status %s, want %s", o.status, tc.wantStatus)
			}
			if _, paid := ev.(OrderPaid); paid && o.paymentID != tc.payment.ID {
				t.Fatalf("payment id %q not remembered", o.paymentID)
			}
		})
	}
}

func TestShipReceiveComplete(t *testing.T) {
	o := orderIn(Paid)
	shipment := Shipment{Carrier: "DHL", TrackingNo: "JD0001", ShippedAt: t0.Add(time.Hour)}
	if err := o.Ship(shipment); err != nil {
		t.Fatal(err)
	}
	if o.status != Shipped || *o.shipment != shipment {
		t.Fatalf("after Ship: %s %+v", o.status, o.shipment)
	}
	after := 240 * time.Hour
	if err := o.AutoReceive(shipment.ShippedAt.Add(after-time.Second), after); !errors.Is(err, ErrNotDue) {
		t.Fatalf("early auto-receive: got %v, want ErrNotDue", err)
	}
	receivedAt := shipment.ShippedAt.Add(after)
	if err := o.AutoReceive(receivedAt, after); err != nil || o.status != Received || !o.receivedAt.Equal(receivedAt) {
		t.Fatalf("auto-receive: %v, %s, %v", err, o.status, o.receivedAt)
	}
	complete := 168 * time.Hour
	if err := o.AutoComplete(receivedAt.Add(complete-time.Second), complete); !errors.Is(err, ErrNotDue) {
		t.Fatalf("early auto-complete: got %v, want ErrNotDue", err)
	}
	if err := o.AutoComplete(receivedAt.Add(complete), complete); err != nil || o.status != Completed {
		t.Fatalf("auto-complete: %v, %s", err, o.status)
	}
	if err := o.ConfirmReceipt(receivedAt); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("confirming a completed order: got %v", err)
	}
}

func TestAutoTransitionsRefuseOtherStatuses(t *testing.T) {
	if err := orderIn(Paid).AutoReceive(t0.Add(1000*time.Hour), time.Hour); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("auto-receive of a PAID order: %v", err)
	}
	if err := orderIn(Shipped).AutoComplete(t0.Add(1000*time.Hour), time.Hour); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("auto-complete of a SHIPPED order: %v", err)
	}
}
