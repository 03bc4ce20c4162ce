package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/services/payment/webhook"
)

// Callback is a provider callback exactly as received.
type Callback struct {
	Payload   []byte
	Signature string
	Timestamp string
}

// CallbackResult says which payment a callback was for and whether it was a replay.
type CallbackResult struct {
	PaymentID string
	Duplicate bool
}

// notification is a verified, well-formed callback.
type notification struct {
	txnID      string
	paymentID  string
	amount     money.Money
	occurredAt time.Time
}

// errUnchanged ends a rule that finds nothing to change: the store writes and sends
// nothing, and the use case answers from what the rule saw.
var errUnchanged = errors.New("payment: nothing to change")

// HandleCallback records the provider's confirmation once. It checks, in this order: the
// signature (nothing is read from an unverified body), the payload, the payment, the
// amount, and whether this provider transaction is already recorded (a replay answers
// Duplicate and changes nothing).
func (s *Service) HandleCallback(ctx context.Context, c Callback) (CallbackResult, error) {
	if err := webhook.Verify(s.secret, c.Timestamp, c.Signature, c.Payload, s.now(), s.tolerance); err != nil {
		s.log.WarnContext(ctx, "webhook rejected", "reason", err.Error())
		return CallbackResult{}, fmt.Errorf("%w: %w", ErrSignatureInvalid, err)
	}
	n, err := parseNotification(c.Payload)
	if err != nil {
		return CallbackResult{}, err
	}
	return s.recordSuccess(ctx, n)
}

func (s *Service) recordSuccess(ctx context.Context, n notification) (CallbackResult, error) {
	res := CallbackResult{PaymentID: n.paymentID}
	if !ids.Valid(n.paymentID) {
		return res, ErrNotFound
	}
	p, err := s.store.UpdatePayment(ctx, n.paymentID, func(p *Payment) (Event, error) {
		if p.Amount() != n.amount {
			// A signed callback for another amount is a provider bug or a leaked secret:
			// either way a human must look, so it is logged at error level.
			s.log.ErrorContext(ctx, "webhook amount mismatch: payment left unchanged",
				"payment_id", p.ID(), "expected", p.Amount().String(), "received", n.amount.String(), "provider_txn_id", n.txnID)
			return nil, ErrAmountMismatch
		}
		if p.ProviderTxnID() == n.txnID {
			return nil, errUnchanged
		}
		if err := p.Succeed(n.txnID, s.now()); err != nil {
			// Another provider transaction for a settled payment means the payer was charged
			// twice; refusing it (instead of acknowledging) keeps the provider retrying and
			// alerting until someone refunds the second charge.
			s.log.ErrorContext(ctx, "webhook for a settled payment: possible double charge",
				"payment_id", p.ID(), "status", p.Status(), "recorded_txn_id", p.ProviderTxnID(), "provider_txn_id", n.txnID)
			return nil, fmt.Errorf("%w: %w", ErrStateConflict, err)
		}
		return PaymentSucceeded{Payment: p}, nil
	})
	switch {
	case errors.Is(err, errUnchanged):
		return CallbackResult{PaymentID: n.paymentID, Duplicate: true}, nil
	case errors.Is(err, ErrTxnTaken):
		s.log.ErrorContext(ctx, "webhook transaction already recorded on another payment",
			"payment_id", n.paymentID, "provider_txn_id", n.txnID)
		return res, fmt.Errorf("%w: %w", ErrStateConflict, err)
	case err != nil:
		return res, err
	}
	s.log.InfoContext(ctx, "payment succeeded", "payment_id", p.ID(), "order_id", p.OrderID(),
		"provider_txn_id", n.txnID, "occurred_at", n.occurredAt)
	return res, nil
}

// parseNotification decodes and checks a callback body, naming every bad field. Unknown
// fields are accepted: providers add fields to their callbacks over time.
func parseNotification(body []byte) (notification, error) {
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return notification{}, decodeViolation(err)
	}
	var v errs.Violations
	if ev.Event != webhook.EventPaymentSucceeded {
		v.Add("event", "must be "+webhook.EventPaymentSucceeded)
	}
	switch {
	case ev.ProviderTxnID == "":
		v.Add("provider_txn_id", "is required")
	case len(ev.ProviderTxnID) > maxTxnIDLen:
		v.Add("provider_txn_id", fmt.Sprintf("must be at most %d bytes", maxTxnIDLen))
	}
	if ev.PaymentID == "" {
		v.Add("payment_id", "is required")
	}
	amount, err := money.New(ev.AmountCents, ev.Currency)
	switch {
	case errors.Is(err, money.ErrCurrency):
		v.Add("currency", "must be three upper-case letters")
	case err != nil:
		v.Add("amount_cents", "must be between 0 and "+fmt.Sprint(money.Max))
	}
	if ev.OccurredAt.IsZero() {
		v.Add("occurred_at", "is required (RFC 3339)")
	}
	if err := v.Err(); err != nil {
		return notification{}, err
	}
	return notification{txnID: ev.ProviderTxnID, paymentID: ev.PaymentID, amount: amount, occurredAt: ev.OccurredAt}, nil
}

// decodeViolation names the field when the JSON has a wrong type, else the payload.
func decodeViolation(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return errs.Invalid(errs.FieldViolation{Field: typeErr.Field, Reason: "must be a " + typeErr.Type.String()})
	}
	var timeErr *time.ParseError
	if errors.As(err, &timeErr) {
		return errs.Invalid(errs.FieldViolation{Field: "occurred_at", Reason: "must be an RFC 3339 time"})
	}
	return errs.Invalid(errs.FieldViolation{Field: "payload", Reason: "must be a JSON object"})
}
