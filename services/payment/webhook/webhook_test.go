package webhook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/services/payment/webhook"
)

const secret = "whsec-test-0123456789abcdef0123456789"

// The wire format pinned by a vector computed outside Go:
// python3 -c "import hmac,hashlib; print(hmac.new(SECRET, b'1700000000.' + BODY, hashlib.sha256).hexdigest())"
func TestSignMatchesTheWireFormat(t *testing.T) {
	got := webhook.Sign(secret, "1700000000", []byte(`{"event":"payment.succeeded"}`))
	if want := "68dea11b3a1890e1c44baf0c9d4afbf5b1cdc0154e66dc33e6ea09635cf15e1d"; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestTimestampIsUnixSeconds(t *testing.T) {
	if got := webhook.Timestamp(time.Unix(1700000000, 999_999_999)); got != "1700000000" {
		t.Fatalf("Timestamp = %q", got)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1700000000, 0)
	body := []byte(`{"event":"payment.succeeded","payment_id":"p-1","amount_cents":4599}`)
	ts := webhook.Timestamp(now)
	sig := webhook.Sign(secret, ts, body)
	at := func(d time.Duration) string { return webhook.Timestamp(now.Add(d)) }
	signedAt := func(d time.Duration) (string, string) { return at(d), webhook.Sign(secret, at(d), body) }
	tolerance := 5 * time.Minute

	type call struct{ secret, ts, sig, body string }
	cases := []struct {
		name string
		call call
		want error // nil: verified
	}{
		{"valid", call{secret, ts, sig, string(body)}, nil},
		{"upper_case_hex", call{secret, ts, strings.ToUpper(sig), string(body)}, nil},
		{"empty_body_signed", call{secret, ts, webhook.Sign(secret, ts, nil), ""}, nil},
		{"tampered_body", call{secret, ts, sig, strings.Replace(string(body), "4599", "1", 1)}, webhook.ErrSignature},
		{"body_with_extra_space", call{secret, ts, sig, string(body) + " "}, webhook.ErrSignature},
		{"wrong_secret", call{secret, ts, webhook.Sign("not-the-secret-not-the-secret-xx", ts, body), string(body)}, webhook.ErrSignature},
		{"signed_with_other_timestamp", call{secret, at(time.Second), sig, string(body)}, webhook.ErrSignature},
		{"truncated_signature", call{secret, ts, sig[:len(sig)-2], string(body)}, webhook.ErrSignature},
		{"signature_not_hex", call{secret, ts, "zz", string(body)}, webhook.ErrSignature},
		{"signature_missing", call{secret, ts, "", string(body)}, webhook.ErrMissing},
		{"timestamp_missing", call{secret, "", sig, string(body)}, webhook.ErrMissing},
		{"timestamp_garbage", call{secret, "soon", sig, string(body)}, webhook.ErrTimestamp},
		{"timestamp_milliseconds_as_float", call{secret, "1700000000.5", sig, string(body)}, webhook.ErrTimestamp},
		{"timestamp_negative", call{secret, "-1", sig, string(body)}, webhook.ErrTimestamp},
		{"stale", func() call { ts, sig := signedAt(-tolerance - time.Second); return call{secret, ts, sig, string(body)} }(), webhook.ErrStale},
		{"far_future", func() call { ts, sig := signedAt(tolerance + time.Second); return call{secret, ts, sig, string(body)} }(), webhook.ErrStale},
		{"old_but_within_tolerance", func() call { ts, sig := signedAt(-tolerance); return call{secret, ts, sig, string(body)} }(), nil},
		{"ahead_but_within_tolerance", func() call { ts, sig := signedAt(tolerance); return call{secret, ts, sig, string(body)} }(), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := webhook.Verify(c.call.secret, c.call.ts, c.call.sig, []byte(c.call.body), now, tolerance)
			if c.want == nil && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

// The receiver's secret is what counts: a body signed by anyone else never verifies.
func TestVerifyUsesTheReceiversSecret(t *testing.T) {
	now := time.Now()
	ts, body := webhook.Timestamp(now), []byte(`{}`)
	sig := webhook.Sign(secret, ts, body)
	if err := webhook.Verify(secret+"x", ts, sig, body, now, time.Minute); !errors.Is(err, webhook.ErrSignature) {
		t.Fatalf("err = %v", err)
	}
}
