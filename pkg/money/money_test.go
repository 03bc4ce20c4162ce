package money

import (
	"errors"
	"testing"
)

func TestNew(t *testing.T) {
	cases := []struct {
		name  string
		cents int64
		cur   string
		want  error
	}{
		{"ok", 1999, "USD", nil},
		{"zero", 0, "EUR", nil},
		{"negative", -1, "USD", ErrNegative},
		{"lowercase_currency", 1, "usd", ErrCurrency},
		{"long_currency", 1, "USDT", ErrCurrency},
		{"too_large", Max + 1, "USD", ErrOverflow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cents, tc.cur); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestArithmetic(t *testing.T) {
	price := Money{1999, "USD"}
	line, err := price.Times(3)
	if err != nil || line.Cents != 5997 {
		t.Fatalf("times: %v %v", line, err)
	}
	total, err := line.Add(Money{3, "USD"})
	if err != nil || total.Cents != 6000 || total.String() != "60.00 USD" {
		t.Fatalf("add: %v %v", total, err)
	}
	if _, err := line.Add(Money{1, "EUR"}); !errors.Is(err, ErrMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	if _, err := (Money{Max, "USD"}).Times(2); !errors.Is(err, ErrOverflow) {
		t.Fatalf("overflow times: %v", err)
	}
	if _, err := (Money{1 << 62, "USD"}).Times(4); !errors.Is(err, ErrOverflow) {
		t.Fatalf("int64 overflow times: %v", err)
	}
	if _, err := (Money{Max, "USD"}).Add(Money{1, "USD"}); !errors.Is(err, ErrOverflow) {
		t.Fatalf("overflow add: %v", err)
	}
}
