package gateway

import (
	"time"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
)

// moneyJSON is money as clients see it and send it.
type moneyJSON struct {
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
}

func moneyOut(m *baseapi.Money) moneyJSON {
	if m == nil {
		return moneyJSON{}
	}
	return moneyJSON{AmountCents: m.AmountCents, Currency: m.Currency}
}

// moneyBody is money in a request; the pointer tells a missing amount from zero.
type moneyBody struct {
	AmountCents *int64 `json:"amount_cents" validate:"required,between=1 1000000"` // the product service refuses a free SKU
	Currency    string `json:"currency" validate:"required,currency"`
}

func (m moneyBody) thrift() *baseapi.Money {
	return &baseapi.Money{AmountCents: *m.AmountCents, Currency: m.Currency}
}

// timeLayout is RFC 3339 in UTC with the milliseconds the services keep.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func timeOut(ms int64) string { return time.UnixMilli(ms).UTC().Format(timeLayout) }

// optionalTime is null for an unset (zero) time.
func optionalTime(ms int64) *string {
	if ms == 0 {
		return nil
	}
	s := timeOut(ms)
	return &s
}

// optional sends an empty string as "not set".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// mapList converts a list, answering [] rather than null for an empty one.
func mapList[T, V any](in []T, f func(T) V) []V {
	out := make([]V, 0, len(in))
	for _, x := range in {
		out = append(out, f(x))
	}
	return out
}

// page is a list answer with a cursor; next_page_token is "" on the last page.
type page[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token"`
}
