package payment

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

func TestParseNotification(t *testing.T) {
	const good = `{"event":"payment.succeeded","provider_txn_id":"txn-1","payment_id":"p-1",` +
		`"amount_cents":4599,"currency":"USD","occurred_at":"2026-11-03T10:00:00Z"}`
	cases := []struct {
		name   string
		body   string
		fields []string // the violations expected, in order; nil means valid
	}{
		{"valid", good, nil},
		{"unknown_fields_accepted", strings.Replace(good, `"event"`, `"livemode":false,"event"`, 1), nil},
		{"not_json", `event=payment.succeeded`, []string{"payload"}},
		{"trailing_garbage", good + `}`, []string{"payload"}},
		{"array", `[]`, []string{"payload"}},
		{"empty", ``, []string{"payload"}},
		{"amount_as_string", strings.Replace(good, `4599`, `"4599"`, 1), []string{"amount_cents"}},
		{"amount_fractional", strings.Replace(good, `4599`, `45.99`, 1), []string{"amount_cents"}},
		{"occurred_at_not_rfc3339", strings.Replace(good, `2026-11-03T10:00:00Z`, `yesterday`, 1), []string{"occurred_at"}},
		{"every_field_missing", `{}`, []string{"event", "provider_txn_id", "payment_id", "currency", "occurred_at"}},
		{"json_null", `null`, []string{"event", "provider_txn_id", "payment_id", "currency", "occurred_at"}},
		{"other_event", strings.Replace(good, `payment.succeeded`, `payment.refunded`, 1), []string{"event"}},
		{"txn_too_long", strings.Replace(good, `txn-1`, strings.Repeat("x", maxTxnIDLen+1), 1), []string{"provider_txn_id"}},
		{"negative_amount", strings.Replace(good, `4599`, `-1`, 1), []string{"amount_cents"}},
		{"currency_lower_case", strings.Replace(good, `USD`, `usd`, 1), []string{"currency"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := parseNotification([]byte(c.body))
			if c.fields == nil {
				if err != nil {
					t.Fatal(err)
				}
				if n.txnID != "txn-1" || n.paymentID != "p-1" || n.amount != usd(4599) || n.occurredAt.IsZero() {
					t.Fatalf("parsed %+v", n)
				}
				return
			}
			var invalid *errs.Error
			if !errors.As(err, &invalid) || invalid.Code != errs.InvalidArgument {
				t.Fatalf("err = %v, want INVALID_ARGUMENT", err)
			}
			var got []string
			for _, v := range invalid.Details {
				got = append(got, v.Field)
				if v.Reason == "" {
					t.Errorf("violation of %s has no reason", v.Field)
				}
			}
			if !reflect.DeepEqual(got, c.fields) {
				t.Fatalf("violations on %v, want %v", got, c.fields)
			}
		})
	}
}
