package payment

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

var t0 = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)

func usd(cents int64) money.Money { return money.Money{Cents: cents, Currency: "USD"} }

func draft() Draft {
	return Draft{OrderID: ids.New(), UserID: ids.New(), Amount: usd(4599), Provider: "sandbox", Now: t0}
}

// inStatus is a payment as the store would restore it in status s.
func inStatus(s Status) *Payment {
	txn := ""
	if s == StatusSucceeded || s == StatusRefunded {
		txn = "txn-1"
	}
	return Restore(Snapshot{
		ID: ids.New(), OrderID: ids.New(), UserID: ids.New(), Status: s, Amount: usd(100),
		Provider: "sandbox", ProviderTxnID: txn, Version: 3, CreatedAt: t0, UpdatedAt: t0,
	})
}

// The whitelist, written out independently of the production table.
var allowed = map[[2]Status]bool{
	{StatusPending, StatusSucceeded}:  true,
	{StatusPending, StatusFailed}:     true,
	{StatusSucceeded, StatusRefunded}: true,
}

func TestCanBecomeIsExactlyTheWhitelist(t *testing.T) {
	for _, from := range Statuses() {
		for _, to := range Statuses() {
			t.Run(string(from)+"->"+string(to), func(t *testing.T) {
				if got, want := from.CanBecome(to), allowed[[2]Status{from, to}]; got != want {
					t.Fatalf("CanBecome = %v, want %v", got, want)
				}
			})
		}
	}
	if Status("BOGUS").CanBecome(StatusSucceeded) || StatusPending.CanBecome("BOGUS") {
		t.Fatal("an unknown status must have no transitions")
	}
}

// Every method from every status: it moves exactly along the whitelist, and a refused
// move leaves the payment as it was.
func TestTransitionMethodsFromEveryStatus(t *testing.T) {
	methods := []struct {
		name string
		to   Status
		call func(p *Payment, now time.Time) error
	}{
		{"succeed", StatusSucceeded, func(p *Payment, now time.Time) error { return p.Succeed("txn-new", now) }},
		{"refund", StatusRefunded, func(p *Payment, now time.Time) error { return p.Refund(now) }},
	}
	later := t0.Add(time.Minute)
	for _, m := range methods {
		for _, from := range Statuses() {
			t.Run(m.name+"/from_"+string(from), func(t *testing.T) {
				p := inStatus(from)
				before := p.Snapshot()
				err := m.call(p, later)
				if allowed[[2]Status{from, m.to}] {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					if p.Status() != m.to || !p.UpdatedAt().Equal(later) || p.Version() != before.Version {
						t.Fatalf("after: status %s updated %v version %d", p.Status(), p.UpdatedAt(), p.Version())
					}
					return
				}
				if !errors.Is(err, ErrIllegalTransition) {
					t.Fatalf("err = %v, want ErrIllegalTransition", err)
				}
				if p.Snapshot() != before {
					t.Fatalf("a refused transition changed the payment: %+v -> %+v", before, p.Snapshot())
				}
			})
		}
	}
}

func TestSucceedRecordsTheProviderTransaction(t *testing.T) {
	cases := []struct {
		name string
		txn  string
		ok   bool
	}{
		{"ok", "txn-42", true},
		{"max_length", strings.Repeat("t", maxTxnIDLen), true},
		{"empty", "", false},
		{"too_long", strings.Repeat("t", maxTxnIDLen+1), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := inStatus(StatusPending)
			err := p.Succeed(c.txn, t0)
			if !c.ok {
				if err == nil || p.Status() != StatusPending || p.ProviderTxnID() != "" {
					t.Fatalf("err %v, status %s, txn %q", err, p.Status(), p.ProviderTxnID())
				}
				return
			}
			if err != nil || p.ProviderTxnID() != c.txn {
				t.Fatalf("err %v, txn %q", err, p.ProviderTxnID())
			}
		})
	}
}

func TestNewValidatesTheDraft(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Draft)
		want   string // part of the error; "" means valid
	}{
		{"valid", func(*Draft) {}, ""},
		{"order_id_not_an_id", func(d *Draft) { d.OrderID = "order-1" }, "order id"},
		{"user_id_empty", func(d *Draft) { d.UserID = "" }, "user id"},
		{"amount_zero", func(d *Draft) { d.Amount = usd(0) }, "amount"},
		{"amount_negative", func(d *Draft) { d.Amount = usd(-1) }, "amount"},
		{"amount_above_max", func(d *Draft) { d.Amount = usd(money.Max + 1) }, "amount"},
		{"currency_lower_case", func(d *Draft) { d.Amount = money.Money{Cents: 1, Currency: "usd"} }, "amount"},
		{"provider_empty", func(d *Draft) { d.Provider = "" }, "provider"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := draft()
			c.mutate(&d)
			p, err := New(d)
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v, want it to mention %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !ids.Valid(p.ID()) || p.Status() != StatusPending || p.Amount() != d.Amount ||
				p.OrderID() != d.OrderID || p.UserID() != d.UserID || !p.CreatedAt().Equal(t0) || p.ProviderTxnID() != "" {
				t.Fatalf("new payment: %+v", p.Snapshot())
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New(Draft{Now: t0})
	for _, part := range []string{"order id", "user id", "amount", "provider"} {
		if err == nil || !strings.Contains(err.Error(), part) {
			t.Errorf("err = %v, want it to mention %q", err, part)
		}
	}
}

func TestOwnedBy(t *testing.T) {
	p := inStatus(StatusPending)
	cases := []struct {
		name string
		user string
		want bool
	}{
		{"owner", p.UserID(), true},
		{"internal_caller", "", true},
		{"another_user", ids.New(), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := p.OwnedBy(c.user); got != c.want {
				t.Fatalf("OwnedBy(%q) = %v", c.user, got)
			}
		})
	}
}

func TestRestoreKeepsEveryField(t *testing.T) {
	s := inStatus(StatusSucceeded).Snapshot()
	s.CheckoutURL = "http://127.0.0.1:8080/x"
	if got := Restore(s).Snapshot(); got != s {
		t.Fatalf("round trip: %+v != %+v", got, s)
	}
}
