package stock

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

func TestNewAdjustment(t *testing.T) {
	cases := []struct {
		name    string
		sku     string
		delta   int64
		reason  string
		actor   string
		fields  []string // nil: valid
		wantMov Movement
	}{
		{"restock", "TEA-1", 25, " delivery ", "staff-1", nil, Movement{SKU: "TEA-1", Available: 25}},
		{"write-off", "TEA-1", -3, "damaged", "staff-1", nil, Movement{SKU: "TEA-1", Available: -3}},
		{"largest delta", "TEA-1", MaxDelta, "big delivery", "staff-1", nil, Movement{SKU: "TEA-1", Available: MaxDelta}},
		{"most negative delta", "TEA-1", -MaxDelta, "stocktake", "staff-1", nil, Movement{SKU: "TEA-1", Available: -MaxDelta}},
		{"zero delta", "TEA-1", 0, "nothing", "staff-1", []string{"delta"}, Movement{}},
		{"delta too big", "TEA-1", MaxDelta + 1, "x", "staff-1", []string{"delta"}, Movement{}},
		{"delta too small", "TEA-1", -MaxDelta - 1, "x", "staff-1", []string{"delta"}, Movement{}},
		{"blank reason", "TEA-1", 1, "  ", "staff-1", []string{"reason"}, Movement{}},
		{"reason too long", "TEA-1", 1, strings.Repeat("r", MaxReasonLen+1), "staff-1", []string{"reason"}, Movement{}},
		{"no actor", "TEA-1", 1, "x", "", []string{"actor_id"}, Movement{}},
		{"actor too long", "TEA-1", 1, "x", strings.Repeat("a", MaxActorLen+1), []string{"actor_id"}, Movement{}},
		{"everything wrong", "", 0, "", "", []string{"sku", "delta", "reason", "actor_id"}, Movement{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := NewAdjustment(c.sku, c.delta, c.reason, c.actor)
			if c.fields != nil {
				var bad *errs.Error
				if !errors.As(err, &bad) || bad.Code != errs.InvalidArgument {
					t.Fatalf("error = %v, want INVALID_ARGUMENT", err)
				}
				var got []string
				for _, f := range bad.Details {
					got = append(got, f.Field)
				}
				if !slices.Equal(got, c.fields) {
					t.Errorf("invalid fields = %q, want %q", got, c.fields)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewAdjustment: %v", err)
			}
			if a.Movement() != c.wantMov {
				t.Errorf("movement = %+v, want %+v", a.Movement(), c.wantMov)
			}
			if a.Reason != strings.TrimSpace(c.reason) {
				t.Errorf("reason = %q, want it trimmed", a.Reason)
			}
		})
	}
}
