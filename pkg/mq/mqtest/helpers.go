package mqtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// fixture is one subtest's driver and the unique names it sends and consumes under, so a
// real broker holding leftovers from earlier runs cannot disturb it.
type fixture struct {
	d      mq.Driver
	suffix string
}

func newFixture(t *testing.T, d mq.Driver) *fixture {
	var raw [6]byte
	if _, err := rand.Read(raw[:]); err != nil {
		t.Fatal(err)
	}
	return &fixture{d: d, suffix: hex.EncodeToString(raw[:])}
}

// name returns a topic or group name valid on RocketMQ (letters, digits, '_' and '-').
func (f *fixture) name(kind string) string {
	return "mqt_" + kind + "_" + f.suffix
}

func (f *fixture) producer(t *testing.T, group string, checker mq.Checker) mq.Producer {
	t.Helper()
	p, err := f.d.NewProducer(group, checker)
	if err != nil {
		t.Fatalf("NewProducer(%s): %v", group, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// consume starts a consumer of group on topic whose handler records every delivery in
// the returned inbox, then asks fail (when not nil) whether to fail it.
func (f *fixture) consume(t *testing.T, group, topic, tagExpr string, fail func(n int) error) *inbox {
	t.Helper()
	c, err := f.d.NewConsumer(group)
	if err != nil {
		t.Fatalf("NewConsumer(%s): %v", group, err)
	}
	t.Cleanup(func() { c.Close() })
	in := &inbox{fail: fail}
	if err := c.Subscribe(topic, tagExpr, in.handle); err != nil {
		t.Fatalf("Subscribe(%s, %q): %v", topic, tagExpr, err)
	}
	if err := c.Start(); err != nil {
		t.Fatalf("Start consumer %s: %v", group, err)
	}
	return in
}

// receipt is one delivery and when the handler saw it.
type receipt struct {
	msg mq.Delivered
	at  time.Time
}

// inbox records what a consumer's handler received.
type inbox struct {
	fail func(n int) error // told the 1-based number of the delivery

	mu  sync.Mutex
	got []receipt
}

func (in *inbox) handle(_ context.Context, msg *mq.Delivered) error {
	in.mu.Lock()
	copied := *msg
	copied.Body = bytes.Clone(msg.Body)
	copied.Keys = slices.Clone(msg.Keys)
	copied.Properties = maps.Clone(msg.Properties)
	in.got = append(in.got, receipt{msg: copied, at: time.Now()})
	n := len(in.got)
	in.mu.Unlock()
	if in.fail == nil {
		return nil
	}
	return in.fail(n)
}

// where returns the receipts whose message satisfies match, in arrival order.
func (in *inbox) where(match func(*mq.Delivered) bool) []receipt {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []receipt
	for _, r := range in.got {
		if match(&r.msg) {
			out = append(out, r)
		}
	}
	return out
}

func (in *inbox) byID(id string) []receipt {
	return in.where(func(m *mq.Delivered) bool { return m.ID == id })
}

func (in *inbox) byProperty(name, value string) []receipt {
	return in.where(func(m *mq.Delivered) bool { return m.Property(name) == value })
}

// waitID waits until message id has been delivered n times and returns its receipts.
func (in *inbox) waitID(t *testing.T, id string, n int) []receipt {
	t.Helper()
	testkit.Eventually(t, deliveryTimeout, "delivery of message "+id, func() bool { return len(in.byID(id)) >= n })
	return in.byID(id)
}

// ledger stands for a producer's own database: local transactions write a row, and the
// checker answers from it, as the architecture requires of real checkers.
type ledger struct {
	mu      sync.Mutex
	rows    map[string]bool
	checked []mq.Delivered // every message the checker was asked about
}

func newLedger() *ledger { return &ledger{rows: make(map[string]bool)} }

func (l *ledger) write(tx string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rows[tx] = true
}

// check is the producer's mq.Checker: committed if the local transaction left its row.
func (l *ledger) check(_ context.Context, msg *mq.Delivered) mq.TxState {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.checked = append(l.checked, *msg)
	if l.rows[msg.Property(txProperty)] {
		return mq.TxCommit
	}
	return mq.TxRollback
}

// checksOf returns the check-backs the checker answered for message id.
func (l *ledger) checksOf(id string) []mq.Delivered {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []mq.Delivered
	for _, m := range l.checked {
		if m.ID == id {
			out = append(out, m)
		}
	}
	return out
}

// never fails the test if cond holds at any poll during window. It is only used after a
// barrier message has arrived, so the window covers a driver's normal latency.
func never(t *testing.T, window time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(window)
	for time.Now().Before(deadline) {
		if cond() {
			t.Fatalf("unexpected: %s", what)
		}
		time.Sleep(pollEvery)
	}
}
