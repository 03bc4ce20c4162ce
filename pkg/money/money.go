// Package money is an amount in a currency's smallest unit. Never a float.
package money

import (
	"errors"
	"fmt"
	"math"
	"regexp"
)

// Money is an integer number of cents (the smallest unit) of a currency.
type Money struct {
	Cents    int64
	Currency string
}

var (
	ErrCurrency = errors.New("money: currency must be three upper-case letters")
	ErrNegative = errors.New("money: amount must not be negative")
	ErrMismatch = errors.New("money: currencies differ")
	ErrOverflow = errors.New("money: amount too large")
)

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// Max is the largest amount Cartwheel accepts anywhere: a billion units, far beyond any
// basket, and far below int64 so sums of many lines cannot overflow.
const Max = 100_000_000_000

// MaxPrice is the largest unit price a SKU may have (10,000.00): an order or cart of
// the most lines a shop may allow (1,000) of the most units a line may hold (99) at
// this price stays within Max, so no basket a customer can build has a total Cartwheel
// refuses (schemathesis found a cart whose total overflowed answering 500).
const MaxPrice = 1_000_000

// New validates an amount.
func New(cents int64, currency string) (Money, error) {
	if !currencyRE.MatchString(currency) {
		return Money{}, ErrCurrency
	}
	if cents < 0 {
		return Money{}, ErrNegative
	}
	if cents > Max {
		return Money{}, ErrOverflow
	}
	return Money{Cents: cents, Currency: currency}, nil
}

// Zero is nothing in currency.
func Zero(currency string) Money { return Money{Currency: currency} }

// Times multiplies by a quantity.
func (m Money) Times(q int64) (Money, error) {
	if q < 0 {
		return Money{}, ErrNegative
	}
	if q != 0 && m.Cents > math.MaxInt64/q || m.Cents*q > Max {
		return Money{}, ErrOverflow
	}
	return Money{Cents: m.Cents * q, Currency: m.Currency}, nil
}

// Add sums two amounts of one currency.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("%w: %s and %s", ErrMismatch, m.Currency, o.Currency)
	}
	if m.Cents+o.Cents > Max {
		return Money{}, ErrOverflow
	}
	return Money{Cents: m.Cents + o.Cents, Currency: m.Currency}, nil
}

func (m Money) String() string {
	return fmt.Sprintf("%d.%02d %s", m.Cents/100, m.Cents%100, m.Currency)
}
