package mqtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// txSetup is a transactional producer whose local transactions write to a ledger its
// checker answers from, and a consumer of its topic.
type txSetup struct {
	topic string
	in    *inbox
	p     mq.Producer
	led   *ledger
}

func newTxSetup(t *testing.T, f *fixture) *txSetup {
	topic := f.name("topic")
	led := newLedger()
	return &txSetup{
		topic: topic,
		in:    f.consume(t, f.name("cg"), topic, "*", nil),
		p:     f.producer(t, f.name("pg"), led.check),
		led:   led,
	}
}

func (s *txSetup) message(tx string) *mq.Message {
	msg := &mq.Message{Topic: s.topic, Tags: "created", Keys: []string{tx}, Body: []byte("order " + tx)}
	return msg.WithProperty(txProperty, tx)
}

// commits is a local transaction that writes its row and commits.
func (s *txSetup) commits(tx string) mq.LocalTx {
	return func(_ context.Context) error {
		s.led.write(tx)
		return nil
	}
}

// barrier sends a committed transactional message and waits for it, so a message that
// must not arrive has had the same chance to arrive as one that must.
func (s *txSetup) barrier(t *testing.T) {
	t.Helper()
	id, err := s.p.SendInTransaction(sendCtx(t), s.message("barrier"), s.commits("barrier"))
	if err != nil {
		t.Fatalf("barrier SendInTransaction: %v", err)
	}
	s.in.waitID(t, id, 1)
}

func testTxCommit(t *testing.T, f *fixture) {
	s := newTxSetup(t, f)
	id, err := s.p.SendInTransaction(sendCtx(t), s.message("tx-commit"), s.commits("tx-commit"))
	if err != nil || id == "" {
		t.Fatalf("SendInTransaction = %q, %v; want an id and no error", id, err)
	}
	got := s.in.waitID(t, id, 1)[0].msg
	if got.Property(txProperty) != "tx-commit" || string(got.Body) != "order tx-commit" {
		t.Errorf("delivered property %q body %q", got.Property(txProperty), got.Body)
	}
	never(t, quietWindow, "a committed message delivered twice to a succeeding handler", func() bool {
		return len(s.in.byID(id)) > 1
	})
}

func testTxRollback(t *testing.T, f *fixture) {
	s := newTxSetup(t, f)
	errInsert := errors.New("insert order: UNIQUE constraint failed")
	id, err := s.p.SendInTransaction(sendCtx(t), s.message("tx-rollback"),
		func(context.Context) error { return errInsert })
	if !errors.Is(err, errInsert) {
		t.Fatalf("SendInTransaction error = %v, want the local transaction's %v", err, errInsert)
	}
	if id == "" {
		t.Error("SendInTransaction returned no id although the half message was stored")
	}
	s.barrier(t)
	never(t, quietWindow, "a rolled-back message was delivered", func() bool {
		return len(s.in.byProperty(txProperty, "tx-rollback")) > 0
	})
}

func testCheckBackCommit(t *testing.T, f *fixture) {
	s := newTxSetup(t, f)
	// The row is written but the producer cannot tell: only check-back can settle it.
	id, err := s.p.SendInTransaction(sendCtx(t), s.message("tx-lost-ack"), func(context.Context) error {
		s.led.write("tx-lost-ack")
		return fmt.Errorf("commit acknowledgement lost: %w", mq.ErrTxUnknown)
	})
	if !errors.Is(err, mq.ErrTxUnknown) || id == "" {
		t.Fatalf("SendInTransaction = %q, %v; want an id and ErrTxUnknown", id, err)
	}
	s.in.waitID(t, id, 1)
	checks := s.led.checksOf(id)
	if len(checks) == 0 {
		t.Fatal("an undecided message was delivered without consulting the checker")
	}
	if c := checks[0]; c.Topic != s.topic || c.Property(txProperty) != "tx-lost-ack" ||
		string(c.Body) != "order tx-lost-ack" {
		t.Errorf("checker saw topic %q property %q body %q", c.Topic, c.Property(txProperty), c.Body)
	}
}

func testCheckBackRollback(t *testing.T, f *fixture) {
	s := newTxSetup(t, f)
	// No row is written, as when the process dies before its database commit.
	id, err := s.p.SendInTransaction(sendCtx(t), s.message("tx-died"), func(context.Context) error {
		return mq.ErrTxUnknown
	})
	if !errors.Is(err, mq.ErrTxUnknown) || id == "" {
		t.Fatalf("SendInTransaction = %q, %v; want an id and ErrTxUnknown", id, err)
	}
	testkit.Eventually(t, deliveryTimeout, "check-back of message "+id, func() bool {
		return len(s.led.checksOf(id)) > 0
	})
	s.barrier(t)
	never(t, quietWindow, "a message its checker rolled back was delivered", func() bool {
		return len(s.in.byProperty(txProperty, "tx-died")) > 0
	})
}

// testConcurrentTx is the shape of a checkout rush: many goroutines each run a local
// transaction with a half message, and every committed one must arrive.
func testConcurrentTx(t *testing.T, f *fixture) {
	const n = 100
	s := newTxSetup(t, f)
	ctx := sendCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			tx := "tx-" + strconv.Itoa(i)
			if _, err := s.p.SendInTransaction(ctx, s.message(tx), s.commits(tx)); err != nil {
				errs <- fmt.Errorf("%s: %w", tx, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	missing := func() (out []string) {
		for i := range n {
			if tx := "tx-" + strconv.Itoa(i); len(s.in.byProperty(txProperty, tx)) == 0 {
				out = append(out, tx)
			}
		}
		return out
	}
	deadline := time.Now().Add(deliveryTimeout)
	for m := missing(); len(m) > 0; m = missing() {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d committed messages never delivered, first %s", len(m), n, m[0])
		}
		time.Sleep(pollEvery)
	}
}
