// Package webhook signs and verifies the payment provider's callbacks. The sandbox
// provider signs with it and the payment service verifies with it, so the two sides
// cannot drift; the gateway's and the fleet's tests use Sign to forge callbacks.
//
// A callback is an HTTP POST whose body is the JSON of Event, with two headers:
// X-Timestamp (unix seconds) and X-Signature = hex(HMAC-SHA256(secret, timestamp + "." + body)).
// Signing the timestamp with the body lets the receiver refuse replays of old callbacks.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Header names of a signed callback.
const (
	HeaderSignature = "X-Signature"
	HeaderTimestamp = "X-Timestamp"
)

// EventPaymentSucceeded is the event a provider sends once the payer has paid.
const EventPaymentSucceeded = "payment.succeeded"

// Event is the body of a callback.
type Event struct {
	Event         string    `json:"event"`
	ProviderTxnID string    `json:"provider_txn_id"`
	PaymentID     string    `json:"payment_id"`
	AmountCents   int64     `json:"amount_cents"`
	Currency      string    `json:"currency"`
	OccurredAt    time.Time `json:"occurred_at"`
}

// Reasons a callback fails verification. Callers answer all of them the same way (the
// signature is invalid); the distinction is for logs.
var (
	ErrMissing   = errors.New("webhook: signature or timestamp missing")
	ErrTimestamp = errors.New("webhook: timestamp is not unix seconds")
	ErrStale     = errors.New("webhook: timestamp outside the tolerance")
	ErrSignature = errors.New("webhook: signature does not match")
)

// Timestamp formats t as the X-Timestamp header value.
func Timestamp(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// Sign returns the X-Signature value of body sent at timestamp.
func Sign(secret, timestamp string, body []byte) string {
	return hex.EncodeToString(mac(secret, timestamp, body))
}

// Verify checks that signature was made with secret over timestamp and body, and that
// timestamp lies within tolerance of now, in the past or the future (clocks drift both
// ways). The comparison takes constant time, so a forger learns nothing from timing.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if timestamp == "" || signature == "" {
		return ErrMissing
	}
	sent, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || sent < 0 {
		return fmt.Errorf("%w: %q", ErrTimestamp, timestamp)
	}
	if age := now.Sub(time.Unix(sent, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: %s away from now", ErrStale, age.Round(time.Second))
	}
	got, err := hex.DecodeString(signature)
	if err != nil || !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrSignature
	}
	return nil
}

func mac(secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte("."))
	h.Write(body)
	return h.Sum(nil)
}
