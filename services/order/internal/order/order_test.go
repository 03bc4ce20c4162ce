package order

import (
	"errors"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

func usd(cents int64) money.Money { return money.Money{Cents: cents, Currency: "USD"} }

func TestTotal(t *testing.T) {
	cases := []struct {
		name    string
		lines   []Line
		want    money.Money
		wantErr error
	}{
		{"sums_price_times_quantity", []Line{{SKU: "A", Quantity: 3, UnitPrice: usd(1999)}, {SKU: "B", Quantity: 1, UnitPrice: usd(1)}},
			usd(5998), nil},
		{"free_items_are_fine", []Line{{SKU: "A", Quantity: 2, UnitPrice: usd(0)}}, usd(0), nil},
		{"other_currency", []Line{{SKU: "A", Quantity: 1, UnitPrice: money.Money{Cents: 1, Currency: "EUR"}}},
			money.Money{}, money.ErrMismatch},
		{"sum_overflows", []Line{{SKU: "A", Quantity: 99, UnitPrice: usd(money.Max / 50)}}, money.Money{}, money.ErrOverflow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Total(tc.lines, "USD")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Fatalf("total %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := Total([]Line{{SKU: "A", Quantity: 0, UnitPrice: usd(1)}}, "USD"); err == nil {
		t.Fatal("a zero quantity was summed")
	}
}

func TestNewOrder(t *testing.T) {
	valid := Draft{
		ID: "0194f3a0-0000-7000-8000-000000000001", UserID: userA, Currency: "USD",
		Lines:     []Line{{SKU: "A", Name: "Tee", Quantity: 2, UnitPrice: usd(1250)}},
		CreatedAt: t0, PaymentDeadline: t0.Add(15 * time.Minute),
	}
	o, err := NewOrder(valid)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status() != Pending || o.Total() != usd(2500) || !o.updatedAt.Equal(t0) || o.version != 0 {
		t.Fatalf("new order: %+v", o.Snapshot())
	}
	valid.Lines[0].Quantity = 7 // the order keeps its own copy
	if o.Lines()[0].Quantity != 2 {
		t.Fatal("the order shares its lines with the draft")
	}
	bad := map[string]func(d *Draft){
		"no_id":              func(d *Draft) { d.ID = "" },
		"no_user":            func(d *Draft) { d.UserID = "" },
		"no_lines":           func(d *Draft) { d.Lines = nil },
		"deadline_not_later": func(d *Draft) { d.PaymentDeadline = d.CreatedAt },
		"mixed_currency":     func(d *Draft) { d.Currency = "EUR" },
	}
	for name, edit := range bad {
		t.Run(name, func(t *testing.T) {
			d := valid
			d.Lines = []Line{{SKU: "A", Quantity: 1, UnitPrice: usd(100)}}
			edit(&d)
			if _, err := NewOrder(d); !errors.Is(err, ErrInvalidOrder) {
				t.Fatalf("got %v, want ErrInvalidOrder", err)
			}
		})
	}
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	o := orderIn(Shipped)
	o.refunds = []string{"pay-7"}
	s := o.Snapshot()
	back := Restore(s).Snapshot()
	if back.Shipment == s.Shipment || *back.Shipment != *s.Shipment {
		t.Fatal("the shipment is shared or lost")
	}
	back.Shipment, s.Shipment = nil, nil
	if back.ID != s.ID || back.Status != s.Status || back.Version != s.Version || len(back.Lines) != 2 ||
		back.Refunds[0] != "pay-7" || back.PaymentID != s.PaymentID || !back.ReceivedAt.Equal(s.ReceivedAt) {
		t.Fatalf("round trip lost fields: %+v", back)
	}
}
