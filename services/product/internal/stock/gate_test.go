package stock_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
)

// gateStore is a GateStore whose headroom is a map; it counts the calls that reach it.
type gateStore struct {
	headroom map[string]int64
	calls    int
}

func (s *gateStore) Admit(_ context.Context, o stock.Order) (map[string]int64, error) {
	s.calls++
	out := map[string]int64{}
	for _, l := range o.Lines() {
		out[l.SKU] = s.headroom[l.SKU]
	}
	for _, l := range o.Lines() {
		if s.headroom[l.SKU] < l.Quantity {
			return out, &stock.ShortError{SKU: l.SKU}
		}
	}
	for _, l := range o.Lines() {
		s.headroom[l.SKU] -= l.Quantity
		out[l.SKU] = s.headroom[l.SKU]
	}
	return out, nil
}

func (s *gateStore) ReturnAdmission(context.Context, string) error { return nil }

type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func TestGateHints(t *testing.T) {
	ctx := context.Background()
	line := func(sku string, q int64) []stock.Line { return []stock.Line{{SKU: sku, Quantity: q}} }
	shortOn := func(err error) string {
		var short *stock.ShortError
		if errors.As(err, &short) {
			return short.SKU
		}
		return ""
	}

	t.Run("a sold-out SKU is refused without the database until the hint expires", func(t *testing.T) {
		st, clk := &gateStore{headroom: map[string]int64{"A": 2}}, &fakeClock{now: time.Unix(0, 0)}
		g := stock.NewGate(st, time.Second, clk.Now)
		for i, id := range []string{"o1", "o2"} {
			if err := g.Admit(ctx, id, line("A", 1)); err != nil {
				t.Fatalf("admission %d: %v", i, err)
			}
		}
		for _, id := range []string{"o3", "o4", "o5"} {
			if sku := shortOn(g.Admit(ctx, id, line("A", 1))); sku != "A" {
				t.Fatalf("%s: want a refusal on A", id)
			}
		}
		if st.calls != 2 {
			t.Fatalf("%d admissions reached the store, want 2 (the refusals are the hint's)", st.calls)
		}
		st.headroom["A"] = 1 // an order was cancelled
		clk.now = clk.now.Add(time.Second)
		if err := g.Admit(ctx, "o6", line("A", 1)); err != nil {
			t.Fatalf("after the hint expired: %v", err)
		}
	})

	t.Run("admissions in flight take from the hint before the database answers", func(t *testing.T) {
		st, clk := &gateStore{headroom: map[string]int64{"A": 3}}, &fakeClock{now: time.Unix(0, 0)}
		g := stock.NewGate(st, time.Minute, clk.Now)
		if err := g.Admit(ctx, "o1", line("A", 1)); err != nil { // hint: 2
			t.Fatal(err)
		}
		st.headroom["A"] = 10 // the database now has more, the hint does not know yet
		if err := g.Admit(ctx, "o2", line("A", 2)); err != nil {
			t.Fatal(err) // hint 2 covers 2; the store answers 8
		}
		if err := g.Admit(ctx, "o3", line("A", 8)); err != nil {
			t.Fatalf("the hint did not learn the store's answer: %v", err)
		}
	})

	t.Run("all lines or none, on the hint too", func(t *testing.T) {
		st, clk := &gateStore{headroom: map[string]int64{"A": 5, "B": 0}}, &fakeClock{now: time.Unix(0, 0)}
		g := stock.NewGate(st, time.Minute, clk.Now)
		both := []stock.Line{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 1}}
		for _, id := range []string{"o1", "o2"} { // the store refuses, then the hint
			if sku := shortOn(g.Admit(ctx, id, both)); sku != "B" {
				t.Fatalf("%s: want a refusal on B", id)
			}
		}
		if err := g.Admit(ctx, "o3", line("A", 5)); err != nil {
			t.Fatalf("the refused orders took A's units from the hint: %v", err)
		}
		if st.calls != 2 {
			t.Fatalf("%d calls reached the store, want 2", st.calls)
		}
	})

	t.Run("no hints: every admission asks the store", func(t *testing.T) {
		st := &gateStore{headroom: map[string]int64{"A": 0}}
		g := stock.NewGate(st, 0, time.Now)
		for _, id := range []string{"o1", "o2"} {
			if sku := shortOn(g.Admit(ctx, id, line("A", 1))); sku != "A" {
				t.Fatalf("%s: want a refusal on A", id)
			}
		}
		if st.calls != 2 {
			t.Fatalf("%d calls reached the store, want 2", st.calls)
		}
	})

	t.Run("malformed requests are refused as invalid", func(t *testing.T) {
		g := stock.NewGate(&gateStore{}, time.Second, time.Now)
		for name, lines := range map[string][]stock.Line{
			"no lines": nil, "zero quantity": line("A", 0), "no SKU": line("", 1), "too many": line("A", stock.MaxLineQuantity+1),
		} {
			if err := g.Admit(ctx, "o1", lines); err == nil || shortOn(err) != "" {
				t.Errorf("%s: %v, want INVALID_ARGUMENT", name, err)
			}
		}
		if err := g.Admit(ctx, "", line("A", 1)); err == nil {
			t.Error("no order id: admitted")
		}
	})
}
