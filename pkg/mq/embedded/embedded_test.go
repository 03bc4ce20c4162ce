package embedded_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/mqtest"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// fast keeps every timer short so the whole package runs in seconds.
var fast = embedded.Options{
	PollInterval:  50 * time.Millisecond,
	CheckAfter:    200 * time.Millisecond,
	CheckInterval: 50 * time.Millisecond,
	RetryBackoff:  func(n int) time.Duration { return time.Duration(n) * 50 * time.Millisecond },
}

const waitLimit = 10 * time.Second

func TestContract(t *testing.T) {
	mqtest.RunContract(t, func(t *testing.T) mq.Driver {
		return open(t, filepath.Join(t.TempDir(), "mq.db"), fast, nil)
	})
}

// open opens a broker closed at the end of the test; Close is idempotent, so tests that
// restart may close it earlier.
func open(t *testing.T, path string, opts embedded.Options, logger *slog.Logger) *embedded.Broker {
	t.Helper()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b, err := embedded.Open(path, opts, logger)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// collector hands every delivery to the test through a channel.
type collector chan mq.Delivered

func (c collector) handle(_ context.Context, msg *mq.Delivered) error {
	c <- *msg
	return nil
}

// next returns the next delivery or fails the test after waitLimit.
func (c collector) next(t *testing.T) mq.Delivered {
	t.Helper()
	select {
	case d := <-c:
		return d
	case <-time.After(waitLimit):
		t.Fatal("timed out waiting for a delivery")
		return mq.Delivered{}
	}
}

// none fails the test if a delivery arrives within window.
func (c collector) none(t *testing.T, window time.Duration) {
	t.Helper()
	select {
	case d := <-c:
		t.Fatalf("unexpected delivery of %s (%s)", d.ID, d.Body)
	case <-time.After(window):
	}
}

func consume(t *testing.T, d mq.Driver, group, topic string, h mq.Handler) mq.Consumer {
	t.Helper()
	c, err := d.NewConsumer(group)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(topic, "*", h); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func produce(t *testing.T, d mq.Driver, group string, checker mq.Checker) mq.Producer {
	t.Helper()
	p, err := d.NewProducer(group, checker)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func send(t *testing.T, p mq.Producer, msg *mq.Message) string {
	t.Helper()
	id, err := p.Send(t.Context(), msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return id
}

func TestRestartRedeliversUnackedAndKeepsMessagesSentWhileDown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mq.db")
	b := open(t, path, fast, nil)
	picked := make(chan string, 1)
	// The handler is still working when the broker closes: its context is cancelled
	// and the message must come back after the restart.
	consume(t, b, "cg_stock", "order", func(ctx context.Context, msg *mq.Delivered) error {
		picked <- msg.ID
		<-ctx.Done()
		return ctx.Err()
	})
	unacked := send(t, produce(t, b, "pg_order", nil), &mq.Message{Topic: "order", Tags: "created", Body: []byte("1")})
	select {
	case <-picked:
	case <-time.After(waitLimit):
		t.Fatal("first delivery never started")
	}
	b.Close()

	b = open(t, path, fast, nil)
	whileDown := send(t, produce(t, b, "pg_order", nil), &mq.Message{Topic: "order", Tags: "created", Body: []byte("2")})
	b.Close()

	b = open(t, path, fast, nil)
	got := make(collector, 4)
	consume(t, b, "cg_stock", "order", got.handle)
	seen := map[string]int{}
	for range 2 {
		d := got.next(t)
		seen[d.ID] = d.ReconsumeTimes
	}
	if times, ok := seen[unacked]; !ok || times != 0 {
		t.Errorf("unacked message: delivered %v with ReconsumeTimes %d; an interrupted delivery is not a failure", ok, times)
	}
	if _, ok := seen[whileDown]; !ok {
		t.Error("message sent while the group was down was lost")
	}
	got.none(t, 200*time.Millisecond)
}

func TestRestartFiresPendingDelay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mq.db")
	b := open(t, path, fast, nil)
	consume(t, b, "cg_order", "order", collector(make(chan mq.Delivered, 1)).handle).Close()
	start := time.Now()
	id := send(t, produce(t, b, "pg_order", nil),
		&mq.Message{Topic: "order", Tags: "timeout", Body: []byte("late"), Delay: time.Second})
	b.Close()

	b = open(t, path, fast, nil)
	got := make(collector, 1)
	consume(t, b, "cg_order", "order", got.handle)
	d := got.next(t)
	if d.ID != id {
		t.Fatalf("delivered %s, want %s", d.ID, id)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("delayed message delivered after %v, before its 1s delay", elapsed)
	}
}

func TestRestartChecksBackUndecidedHalfMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mq.db")
	slow := fast
	slow.CheckAfter = time.Hour // only the restarted broker may check it back
	b := open(t, path, slow, nil)
	consume(t, b, "cg_stock", "order", collector(make(chan mq.Delivered, 1)).handle).Close()
	p := produce(t, b, "pg_order", func(context.Context, *mq.Delivered) mq.TxState { return mq.TxUnknown })
	id, err := p.SendInTransaction(t.Context(), &mq.Message{Topic: "order", Tags: "created", Body: []byte("1")},
		func(context.Context) error { return mq.ErrTxUnknown })
	if !errors.Is(err, mq.ErrTxUnknown) {
		t.Fatalf("SendInTransaction: %v", err)
	}
	b.Close()

	b = open(t, path, fast, nil)
	checked := make(chan string, 8)
	produce(t, b, "pg_order", func(_ context.Context, msg *mq.Delivered) mq.TxState {
		checked <- msg.ID
		return mq.TxCommit
	})
	got := make(collector, 1)
	consume(t, b, "cg_stock", "order", got.handle)
	if d := got.next(t); d.ID != id {
		t.Fatalf("delivered %s, want %s", d.ID, id)
	}
	if first := <-checked; first != id {
		t.Errorf("checker asked about %s, want %s", first, id)
	}
}

// TestCrashedProcessIsTakenOver simulates a process that hangs with a delivery in flight
// and a local transaction half done: a new broker on the same file (the restarted
// process) redelivers the one and checks back the other.
func TestCrashedProcessIsTakenOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mq.db")
	dead := fast
	dead.Concurrency = 1        // its one slot stays busy, so it cannot take the message back
	dead.CheckAfter = time.Hour // only the new broker may check back
	old := open(t, path, dead, nil)
	hang, picked, started := make(chan struct{}), make(chan struct{}), make(chan struct{})
	consume(t, old, "cg_stock", "order", func(context.Context, *mq.Delivered) error {
		close(picked)
		<-hang
		return nil
	})
	p := produce(t, old, "pg_order", func(context.Context, *mq.Delivered) mq.TxState { return mq.TxUnknown })
	inFlight := send(t, p, &mq.Message{Topic: "order", Tags: "created", Body: []byte("in flight")})
	go p.SendInTransaction(context.Background(), &mq.Message{Topic: "order", Tags: "created", Body: []byte("half")},
		func(context.Context) error {
			close(started)
			<-hang
			return nil
		})
	<-picked
	<-started
	defer func() {
		close(hang)
		old.Close()
	}()

	b := open(t, path, fast, nil)
	produce(t, b, "pg_order", func(context.Context, *mq.Delivered) mq.TxState { return mq.TxCommit })
	got := make(collector, 4)
	consume(t, b, "cg_stock", "order", got.handle)
	bodies := map[string]bool{}
	for range 2 {
		d := got.next(t)
		bodies[string(d.Body)] = true
		if d.ID == inFlight && d.ReconsumeTimes != 0 {
			t.Errorf("in-flight message redelivered with ReconsumeTimes %d", d.ReconsumeTimes)
		}
	}
	if !bodies["in flight"] || !bodies["half"] {
		t.Errorf("new broker delivered %v, want the in-flight and the half message", bodies)
	}
}

// A local transaction still running in this process after CheckAfter is left to finish:
// checking it back would read a database row not written yet and roll back a message
// whose transaction then commits.
func TestSlowLocalTxIsNotCheckedBack(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "mq.db"), fast, nil)
	got := make(collector, 1)
	consume(t, b, "cg_stock", "order", got.handle)
	var mu sync.Mutex
	committed, checks := false, 0
	p := produce(t, b, "pg_order", func(context.Context, *mq.Delivered) mq.TxState {
		mu.Lock()
		defer mu.Unlock()
		checks++
		if committed {
			return mq.TxCommit
		}
		return mq.TxRollback
	})
	id, err := p.SendInTransaction(t.Context(), &mq.Message{Topic: "order", Tags: "created", Body: []byte("slow")},
		func(context.Context) error {
			time.Sleep(4 * fast.CheckAfter) // several check rounds pass meanwhile
			mu.Lock()
			defer mu.Unlock()
			committed = true
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if d := got.next(t); d.ID != id {
		t.Fatalf("delivered %s, want %s", d.ID, id)
	}
	mu.Lock()
	defer mu.Unlock()
	if checks != 0 {
		t.Errorf("checker consulted %d times while the local transaction ran", checks)
	}
}

func TestDeadLetterAfterMaxReconsume(t *testing.T) {
	logs := &testkit.SyncBuffer{}
	opts := fast
	opts.MaxReconsume = 2
	b := open(t, filepath.Join(t.TempDir(), "mq.db"), opts, slog.New(slog.NewTextHandler(logs, nil)))
	got := make(collector, 8)
	consume(t, b, "cg_stock", "order", func(ctx context.Context, msg *mq.Delivered) error {
		got.handle(ctx, msg)
		return errors.New("always failing")
	})
	id := send(t, produce(t, b, "pg_order", nil), &mq.Message{Topic: "order", Tags: "created", Body: []byte("poison")})

	for want := range 3 { // the first delivery and MaxReconsume redeliveries
		if d := got.next(t); d.ID != id || d.ReconsumeTimes != want {
			t.Fatalf("delivery %d: %s with ReconsumeTimes %d", want+1, d.ID, d.ReconsumeTimes)
		}
	}
	got.none(t, 300*time.Millisecond)

	dead, err := b.DeadLetters("cg_stock")
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].ID != id || string(dead[0].Body) != "poison" || dead[0].ReconsumeTimes != 3 {
		t.Fatalf("DeadLetters = %+v, want message %s after 3 failed deliveries", dead, id)
	}
	if n := b.Stats().DeadLettered; n != 1 {
		t.Errorf("Stats().DeadLettered = %d, want 1", n)
	}
	line := `level=ERROR msg="message dead-lettered" component=mq.embedded topic=order group=cg_stock id=` + id
	if !strings.Contains(logs.String(), line) {
		t.Errorf("no ERROR log %q in:\n%s", line, logs)
	}
	if other, _ := b.DeadLetters("cg_other"); len(other) != 0 {
		t.Errorf("dead letters leaked to another group: %+v", other)
	}
}

func TestLateGroupReceivesOnlyMessagesAfterItsFirstSubscription(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "mq.db"), fast, nil)
	p := produce(t, b, "pg_order", nil)
	send(t, p, &mq.Message{Topic: "order", Tags: "created", Body: []byte("before")})
	got := make(collector, 2)
	consume(t, b, "cg_late", "order", got.handle)
	after := send(t, p, &mq.Message{Topic: "order", Tags: "created", Body: []byte("after")})
	if d := got.next(t); d.ID != after {
		t.Fatalf("late group got %q first, want the message sent after it subscribed", d.Body)
	}
	got.none(t, 200*time.Millisecond)
}

func TestConsumersOfOneGroupShareItsMessages(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "mq.db"), fast, nil)
	got := make(collector, 64)
	consume(t, b, "cg_stock", "order", got.handle)
	consume(t, b, "cg_stock", "order", got.handle)
	p := produce(t, b, "pg_order", nil)
	const n = 20
	for range n {
		send(t, p, &mq.Message{Topic: "order", Tags: "created", Body: []byte("x")})
	}
	seen := map[string]bool{}
	for range n {
		d := got.next(t)
		if seen[d.ID] {
			t.Fatalf("message %s handled twice within one group", d.ID)
		}
		seen[d.ID] = true
	}
	got.none(t, 200*time.Millisecond)
}

func TestConcurrencyBoundsHandlersInFlight(t *testing.T) {
	opts := fast
	opts.Concurrency = 2
	b := open(t, filepath.Join(t.TempDir(), "mq.db"), opts, nil)
	var mu sync.Mutex
	var inFlight, peak, done int
	count := func(f func() bool) bool { mu.Lock(); defer mu.Unlock(); return f() }
	release := make(chan struct{})
	consume(t, b, "cg_stock", "order", func(context.Context, *mq.Delivered) error {
		count(func() bool { inFlight++; peak = max(peak, inFlight); return true })
		<-release
		count(func() bool { inFlight--; done++; return true })
		return nil
	})
	p := produce(t, b, "pg_order", nil)
	for range 6 {
		send(t, p, &mq.Message{Topic: "order", Tags: "created", Body: []byte("x")})
	}
	testkit.Eventually(t, waitLimit, "two handlers in flight", func() bool { return count(func() bool { return inFlight == 2 }) })
	time.Sleep(200 * time.Millisecond) // room for a third handler to start if the bound leaked
	var got int
	count(func() bool { got = peak; return true })
	if got != 2 {
		t.Errorf("peak handlers in flight = %d, want 2", got)
	}
	close(release)
	testkit.Eventually(t, waitLimit, "all six handled", func() bool { return count(func() bool { return done == 6 }) })
}

func TestRejectsWhatRocketMQRejects(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "mq.db"), fast, nil)
	p := produce(t, b, "pg_order", nil)
	for name, msg := range map[string]*mq.Message{
		"dotted_topic": {Topic: "order.created", Body: []byte("x")},
		"empty_topic":  {Body: []byte("x")},
		"empty_body":   {Topic: "order"},
		"huge_body":    {Topic: "order", Body: make([]byte, 4<<20+1)},
	} {
		if _, err := p.Send(t.Context(), msg); err == nil {
			t.Errorf("%s: Send accepted it", name)
		}
	}
	if _, err := p.SendInTransaction(t.Context(), &mq.Message{Topic: "order", Body: []byte("x")},
		func(context.Context) error { return nil }); err == nil {
		t.Error("SendInTransaction without a Checker accepted")
	}
	if _, err := b.NewConsumer("stock service"); err == nil {
		t.Error("NewConsumer accepted a group name with a space")
	}
	c, err := b.NewConsumer("cg_stock")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe("order", "paid || ", collector(nil).handle); err == nil {
		t.Error("Subscribe accepted a tag expression with an empty alternative")
	}
}

func TestClosedBrokerRefusesWork(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "mq.db"), fast, nil)
	p := produce(t, b, "pg_order", nil)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(t.Context(), &mq.Message{Topic: "order", Body: []byte("x")}); !errors.Is(err, embedded.ErrClosed) {
		t.Errorf("Send after Close = %v, want ErrClosed", err)
	}
	if _, err := b.NewConsumer("cg_stock"); !errors.Is(err, embedded.ErrClosed) {
		t.Errorf("NewConsumer after Close = %v, want ErrClosed", err)
	}
}
