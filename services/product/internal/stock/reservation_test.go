package stock

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNewOrderNeedsAStorableID(t *testing.T) {
	for _, id := range []string{"", strings.Repeat("x", MaxKeyLen+1)} {
		if _, err := NewOrder(id, []Line{{SKU: "A-1", Quantity: 1}}); !errors.Is(err, ErrBadOrderID) {
			t.Errorf("NewOrder(%d characters): %v, want ErrBadOrderID", len(id), err)
		}
	}
	if _, err := NewOrder(strings.Repeat("é", MaxKeyLen), nil); err != nil {
		t.Errorf("NewOrder(64 characters): %v", err)
	}
}

func TestNewOrderMergesAndSortsLines(t *testing.T) {
	o, err := NewOrder("o-1", []Line{{"CCC", 1}, {"AAA", 2}, {"CCC", 4}, {"BBB", 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Line{{"AAA", 2}, {"BBB", 1}, {"CCC", 5}}
	if !slices.Equal(o.Lines(), want) {
		t.Errorf("lines = %v, want %v", o.Lines(), want)
	}
	if !slices.Equal(o.SKUs(), []string{"AAA", "BBB", "CCC"}) {
		t.Errorf("SKUs = %v, want lock order AAA, BBB, CCC", o.SKUs())
	}
}

func TestDecide(t *testing.T) {
	stock := map[string]Availability{
		"AAA": {Available: 5, ForSale: true},
		"BBB": {Available: 1, ForSale: true},
		"OFF": {Available: 9, ForSale: false},
		"NIL": {Available: 0, ForSale: true},
	}
	reserved := Decision{OrderID: "o-1", Outcome: Reserved}
	rejected := func(sku, reason string) Decision {
		return Decision{OrderID: "o-1", Outcome: Rejected, SKU: sku, Reason: reason}
	}
	cases := []struct {
		name  string
		lines []Line
		want  Decision
	}{
		{"one line", []Line{{"AAA", 2}}, reserved},
		{"exactly what is available", []Line{{"AAA", 5}, {"BBB", 1}}, reserved},
		{"one more than available", []Line{{"AAA", 6}}, rejected("AAA", ReasonInsufficient)},
		{"repeated lines add up past stock", []Line{{"AAA", 3}, {"AAA", 3}}, rejected("AAA", ReasonInsufficient)},
		{"repeated lines within stock", []Line{{"AAA", 2}, {"AAA", 3}}, reserved},
		{"unknown SKU", []Line{{"AAA", 1}, {"ZZZ", 1}}, rejected("ZZZ", ReasonUnknownSKU)},
		{"not for sale", []Line{{"OFF", 1}}, rejected("OFF", ReasonNotForSale)},
		{"sold out", []Line{{"NIL", 1}}, rejected("NIL", ReasonInsufficient)},
		{"first failure in SKU order", []Line{{"ZZZ", 1}, {"BBB", 2}}, rejected("BBB", ReasonInsufficient)},
		{"zero quantity", []Line{{"AAA", 1}, {"BBB", 0}}, rejected("BBB", ReasonInvalidLine)},
		{"negative quantity hidden by a merge", []Line{{"AAA", -1}, {"AAA", 2}}, rejected("AAA", ReasonInvalidLine)},
		{"quantity too large", []Line{{"AAA", MaxLineQuantity + 1}}, rejected("AAA", ReasonInvalidLine)},
		{"empty SKU", []Line{{"", 1}}, rejected("", ReasonInvalidLine)},
		{"SKU too long to store, named cut short", []Line{{strings.Repeat("S", MaxKeyLen+10), 1}},
			rejected(strings.Repeat("S", MaxKeyLen), ReasonInvalidLine)},
		{"no lines", nil, rejected("", ReasonInvalidLine)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := NewOrder("o-1", c.lines)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.Decide(stock); got != c.want {
				t.Errorf("Decide = %v, want %v", got, c.want)
			}
		})
	}
}

func TestReserveHoldsEveryLine(t *testing.T) {
	o, _ := NewOrder("o-1", []Line{{"BBB", 1}, {"AAA", 2}})
	rs, ms := o.Reserve()
	wantMoves := []Movement{{SKU: "AAA", Available: -2, Reserved: 2}, {SKU: "BBB", Available: -1, Reserved: 1}}
	if !slices.Equal(ms, wantMoves) {
		t.Errorf("movements = %v, want %v", ms, wantMoves)
	}
	for i, r := range rs {
		if r.OrderID() != "o-1" || r.SKU() != wantMoves[i].SKU || r.Quantity() != wantMoves[i].Reserved || r.State() != Active {
			t.Errorf("reservation %d = %+v, want active %s x%d", i, r, wantMoves[i].SKU, wantMoves[i].Reserved)
		}
	}
}

func TestReservationLifecycle(t *testing.T) {
	cases := []struct {
		name    string
		from    State
		act     func(*Reservation) (Movement, error)
		want    Movement
		wantErr error
		to      State
	}{
		{"sell an active one", Active, (*Reservation).Sell, Movement{SKU: "AAA", Reserved: -3, Sold: 3}, nil, Sold},
		{"release an active one", Active, (*Reservation).Release, Movement{SKU: "AAA", Reserved: -3, Available: 3}, nil, Released},
		{"sell again", Sold, (*Reservation).Sell, Movement{}, ErrReservationClosed, Sold},
		{"release after sale", Sold, (*Reservation).Release, Movement{}, ErrReservationClosed, Sold},
		{"release again", Released, (*Reservation).Release, Movement{}, ErrReservationClosed, Released},
		{"sell after release", Released, (*Reservation).Sell, Movement{}, ErrReservationClosed, Released},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := RestoreReservation("o-1", "AAA", 3, c.from)
			m, err := c.act(r)
			if !errors.Is(err, c.wantErr) || m != c.want {
				t.Errorf("got %+v, %v; want %+v, %v", m, err, c.want, c.wantErr)
			}
			if r.State() != c.to {
				t.Errorf("state = %s, want %s", r.State(), c.to)
			}
		})
	}
}
