// Package payment holds the payment service's business rules: the Payment entity and
// its state machine, the use cases behind the RPCs and messages, and the ports (store,
// provider, order service) they need. It imports no framework.
package payment

import (
	"fmt"
	"strings"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

// Status is where a payment stands.
type Status string

// The statuses of API.md; the transitions between them are the whitelist below.
const (
	StatusPending   Status = "PENDING"
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
	StatusRefunded  Status = "REFUNDED"
)

// Statuses lists every status, so tests can walk the whole state machine.
func Statuses() []Status {
	return []Status{StatusPending, StatusSucceeded, StatusFailed, StatusRefunded}
}

// transitions is the whole state machine: anything not listed is illegal. FAILED is
// reached when a provider declines; the sandbox never declines, so no use case of this
// repository leads there yet.
var transitions = map[Status][]Status{
	StatusPending:   {StatusSucceeded, StatusFailed},
	StatusSucceeded: {StatusRefunded},
}

// CanBecome reports whether a payment in s may move to next.
func (s Status) CanBecome(next Status) bool {
	for _, allowed := range transitions[s] {
		if allowed == next {
			return true
		}
	}
	return false
}

// maxTxnIDLen bounds provider transaction ids; the store's column has this width.
const maxTxnIDLen = 128

// Payment is one attempt to collect an order's total from its owner.
type Payment struct {
	id            string
	orderID       string
	userID        string
	status        Status
	amount        money.Money
	provider      string
	checkoutURL   string
	providerTxnID string // set when the provider confirms the payment
	version       int64  // as loaded; the store saves only over this version
	createdAt     time.Time
	updatedAt     time.Time
}

// Draft is what a new payment is made from.
type Draft struct {
	OrderID  string
	UserID   string
	Amount   money.Money
	Provider string
	Now      time.Time
}

// New makes a PENDING payment with a fresh id.
func New(d Draft) (*Payment, error) {
	var problems []string
	if !ids.Valid(d.OrderID) {
		problems = append(problems, "order id is not an id")
	}
	if !ids.Valid(d.UserID) {
		problems = append(problems, "user id is not an id")
	}
	if _, err := money.New(d.Amount.Cents, d.Amount.Currency); err != nil || d.Amount.Cents == 0 {
		problems = append(problems, fmt.Sprintf("amount %s is not payable", d.Amount))
	}
	if d.Provider == "" {
		problems = append(problems, "provider is empty")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("payment: new: %s", strings.Join(problems, "; "))
	}
	now := d.Now.UTC()
	return &Payment{
		id: ids.New(), orderID: d.OrderID, userID: d.UserID, status: StatusPending,
		amount: d.Amount, provider: d.Provider, createdAt: now, updatedAt: now,
	}, nil
}

// ID and the other getters expose the fields read-only.
func (p *Payment) ID() string            { return p.id }
func (p *Payment) OrderID() string       { return p.orderID }
func (p *Payment) UserID() string        { return p.userID }
func (p *Payment) Status() Status        { return p.status }
func (p *Payment) Amount() money.Money   { return p.amount }
func (p *Payment) Provider() string      { return p.provider }
func (p *Payment) CheckoutURL() string   { return p.checkoutURL }
func (p *Payment) ProviderTxnID() string { return p.providerTxnID }
func (p *Payment) Version() int64        { return p.version }
func (p *Payment) CreatedAt() time.Time  { return p.createdAt }
func (p *Payment) UpdatedAt() time.Time  { return p.updatedAt }

// OwnedBy reports whether userID may see the payment; "" stands for internal callers,
// who may see every payment.
func (p *Payment) OwnedBy(userID string) bool { return userID == "" || userID == p.userID }

// Succeed records the provider's transaction: PENDING -> SUCCEEDED.
func (p *Payment) Succeed(providerTxnID string, now time.Time) error {
	if providerTxnID == "" || len(providerTxnID) > maxTxnIDLen {
		return fmt.Errorf("payment: provider transaction id must be 1 to %d bytes", maxTxnIDLen)
	}
	if err := p.moveTo(StatusSucceeded, now); err != nil {
		return err
	}
	p.providerTxnID = providerTxnID
	return nil
}

// Refund marks the money returned: SUCCEEDED -> REFUNDED.
func (p *Payment) Refund(now time.Time) error { return p.moveTo(StatusRefunded, now) }

func (p *Payment) moveTo(next Status, now time.Time) error {
	if !p.status.CanBecome(next) {
		return fmt.Errorf("%w: %s -> %s", ErrIllegalTransition, p.status, next)
	}
	p.status = next
	p.updatedAt = now.UTC()
	return nil
}

// Snapshot is a payment's full state, for the store to save and restore. It bypasses
// the rules, so only the store uses it.
type Snapshot struct {
	ID, OrderID, UserID   string
	Status                Status
	Amount                money.Money
	Provider, CheckoutURL string
	ProviderTxnID         string
	Version               int64
	CreatedAt, UpdatedAt  time.Time
}

// Snapshot returns p's state.
func (p *Payment) Snapshot() Snapshot {
	return Snapshot{
		ID: p.id, OrderID: p.orderID, UserID: p.userID, Status: p.status, Amount: p.amount,
		Provider: p.provider, CheckoutURL: p.checkoutURL, ProviderTxnID: p.providerTxnID,
		Version: p.version, CreatedAt: p.createdAt, UpdatedAt: p.updatedAt,
	}
}

// Restore rebuilds a payment the store loaded.
func Restore(s Snapshot) *Payment {
	return &Payment{
		id: s.ID, orderID: s.OrderID, userID: s.UserID, status: s.Status, amount: s.Amount,
		provider: s.Provider, checkoutURL: s.CheckoutURL, providerTxnID: s.ProviderTxnID,
		version: s.Version, createdAt: s.CreatedAt, updatedAt: s.UpdatedAt,
	}
}

// Refund is the record of money returned for a payment; at most one per payment.
type Refund struct {
	ID               string
	PaymentID        string
	ProviderRefundID string
	Amount           money.Money
	Reason           string
	CreatedAt        time.Time
}
