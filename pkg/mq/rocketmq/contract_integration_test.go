//go:build integration

package rocketmq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/mqtest"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// These tests need the engines of scripts/infra.sh: eval "$(scripts/infra.sh env)".
// They fail, never skip, without them: the integration build is only run with the
// engines up, and a skip would pass silently.

const waitFor = 30 * time.Second // RocketMQ needs seconds for a rebalance or a retry level

func testConfig(t *testing.T) Config {
	t.Helper()
	namesrv := os.Getenv("CARTWHEEL_ROCKETMQ_NAMESRV")
	levels := os.Getenv("CARTWHEEL_ROCKETMQ_DELAY_LEVELS")
	if namesrv == "" || levels == "" {
		t.Fatal(`CARTWHEEL_ROCKETMQ_NAMESRV and CARTWHEEL_ROCKETMQ_DELAY_LEVELS must be set: eval "$(scripts/infra.sh env)"`)
	}
	table, err := ParseDelayLevels(levels)
	if err != nil {
		t.Fatalf("CARTWHEEL_ROCKETMQ_DELAY_LEVELS: %v", err)
	}
	return Config{NameServers: strings.Split(namesrv, ","), DelayLevels: table, InstancePrefix: "cwtest"}
}

func openDriver(t *testing.T, cfg Config) *Driver {
	t.Helper()
	d, err := Open(cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestContract(t *testing.T) {
	cfg := testConfig(t)
	mqtest.RunContract(t, func(t *testing.T) mq.Driver { return openDriver(t, cfg) })
}

// unique returns a topic or group name no earlier run has used.
func unique(t *testing.T, kind string) string {
	var raw [6]byte
	if _, err := rand.Read(raw[:]); err != nil {
		t.Fatal(err)
	}
	return "rmqt_" + kind + "_" + hex.EncodeToString(raw[:])
}

// inbox collects deliveries for a test.
type inbox struct {
	mu   sync.Mutex
	msgs []mq.Delivered
	at   []time.Time
}

func (r *inbox) add(msg *mq.Delivered) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, *msg)
	r.at = append(r.at, time.Now())
	return len(r.msgs)
}

func (r *inbox) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

func (r *inbox) get(i int) (mq.Delivered, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.msgs[i], r.at[i]
}

func startConsumer(t *testing.T, d *Driver, group, topic string, h mq.Handler) mq.Consumer {
	t.Helper()
	c, err := d.NewConsumer(group)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Subscribe(topic, "*", h); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	return c
}

func startProducer(t *testing.T, d *Driver, group string, checker mq.Checker) mq.Producer {
	t.Helper()
	p, err := d.NewProducer(group, checker)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// A message whose handler had not finished when its consumer closed goes to the next
// member of the group, under the same id and not counted as a failed delivery.
func TestUnacknowledgedMessageGoesToNextConsumer(t *testing.T) {
	t.Parallel()
	d := openDriver(t, testConfig(t))
	topic, group := unique(t, "topic"), unique(t, "cg")

	handling := make(chan struct{})
	var cancelled error
	first, err := d.NewConsumer(group)
	if err != nil {
		t.Fatal(err)
	}
	first.Subscribe(topic, "*", func(ctx context.Context, _ *mq.Delivered) error {
		close(handling)
		<-ctx.Done() // a handler still busy when the consumer closes
		cancelled = ctx.Err()
		return cancelled
	})
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	id, err := startProducer(t, d, unique(t, "pg"), nil).Send(t.Context(),
		&mq.Message{Topic: topic, Tags: "created", Body: []byte("reserve stock for order 1")})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-handling:
	case <-time.After(waitFor):
		t.Fatal("the first consumer never inbox the message")
	}

	start := time.Now()
	first.Close()
	t.Logf("Close with a handler in flight took %v", time.Since(start).Round(time.Millisecond))
	if !errors.Is(cancelled, context.Canceled) {
		t.Fatalf("the handler's context was not cancelled by Close (err %v)", cancelled)
	}

	var next inbox
	startConsumer(t, d, group, topic, func(_ context.Context, msg *mq.Delivered) error {
		next.add(msg)
		return nil
	})
	testkit.Eventually(t, waitFor, "redelivery to the next consumer of the group", func() bool { return next.count() > 0 })
	got, at := next.get(0)
	t.Logf("redelivered %v after Close", at.Sub(start).Round(time.Millisecond))
	if got.ID != id || string(got.Body) != "reserve stock for order 1" {
		t.Errorf("redelivered id %s body %q, want %s", got.ID, got.Body, id)
	}
	if got.ReconsumeTimes != 0 {
		t.Errorf("ReconsumeTimes = %d: an interrupted delivery was counted as a failed one", got.ReconsumeTimes)
	}
	if s := d.Stats(); s.Failed != 0 {
		t.Errorf("stats %+v: an interrupted delivery counted as a failure", s)
	}
}

// A delayed message waits for the smallest delay level at or above its Delay.
func TestDelayRoundsUpToLevel(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	d := openDriver(t, cfg)
	topic := unique(t, "topic")
	const delay = 1500 * time.Millisecond
	level, err := cfg.DelayLevels.level(delay)
	if err != nil {
		t.Fatal(err)
	}
	want := cfg.DelayLevels[level-1]

	var got inbox
	startConsumer(t, d, unique(t, "cg"), topic, func(_ context.Context, msg *mq.Delivered) error {
		got.add(msg)
		return nil
	})
	p := startProducer(t, d, unique(t, "pg"), nil)
	start := time.Now()
	id, err := p.Send(t.Context(), &mq.Message{Topic: topic, Tags: "timeout", Body: []byte("late"), Delay: delay})
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, waitFor, "the delayed message", func() bool { return got.count() > 0 })
	msg, at := got.get(0)
	elapsed := at.Sub(start)
	t.Logf("Delay %v (level %d, %v) arrived after %v", delay, level, want, elapsed.Round(time.Millisecond))
	if msg.ID != id {
		t.Errorf("delivered id %s, want %s", msg.ID, id)
	}
	if elapsed < want-50*time.Millisecond {
		t.Errorf("arrived after %v, before its level's %v", elapsed, want)
	}
	if elapsed > want+5*time.Second {
		t.Errorf("arrived after %v, long after its level's %v", elapsed, want)
	}
}

// A message that fails every allowed delivery is dead-lettered by the broker after
// MaxReconsume redeliveries, and counted.
func TestMaxReconsumeDeadLetters(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.MaxReconsume = 1
	d := openDriver(t, cfg)
	topic, group := unique(t, "topic"), unique(t, "cg")

	var got inbox
	startConsumer(t, d, group, topic, func(_ context.Context, msg *mq.Delivered) error {
		got.add(msg)
		return fmt.Errorf("payment provider down (delivery %d)", msg.ReconsumeTimes+1)
	})
	id, err := startProducer(t, d, unique(t, "pg"), nil).Send(t.Context(),
		&mq.Message{Topic: topic, Tags: "succeeded", Body: []byte("payment 1")})
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, waitFor, "the message to be dead-lettered", func() bool { return d.Stats().DeadLettered == 1 })
	testkit.Eventually(t, waitFor, "the broker's %DLQ% topic of the group", func() bool {
		missing, err := d.missingTopics(t.Context(), []string{"%DLQ%" + group})
		return err == nil && len(missing) == 0
	})
	if n := got.count(); n != 2 {
		t.Fatalf("%d deliveries, want 2 (the first and MaxReconsume=1 redelivery)", n)
	}
	for i := range 2 {
		if msg, _ := got.get(i); msg.ID != id || msg.ReconsumeTimes != i {
			t.Errorf("delivery %d: id %s ReconsumeTimes %d", i+1, msg.ID, msg.ReconsumeTimes)
		}
	}
	// The next retry level would be 5 (5 s on the test table): wait past it.
	time.Sleep(cfg.DelayLevels[4] + time.Second)
	if n := got.count(); n != 2 {
		t.Errorf("%d deliveries after dead-lettering, want 2", n)
	}
	if s := d.Stats(); s.Failed != 2 || s.DeadLettered != 1 {
		t.Errorf("stats %+v, want 2 failures and 1 dead letter", s)
	}
}

// Each producer group's check-backs reach that group's checker, also with several
// transactional producers in one process (the client's shared-instance pitfall).
func TestCheckBacksReachTheirOwnProducer(t *testing.T) {
	t.Parallel()
	d := openDriver(t, testConfig(t))
	topic := unique(t, "topic")
	var delivered inbox
	startConsumer(t, d, unique(t, "cg"), topic, func(_ context.Context, msg *mq.Delivered) error {
		delivered.add(msg)
		return nil
	})

	type side struct {
		mu     sync.Mutex
		checks []string
		id     string
	}
	sides := []*side{{}, {}}
	for i, s := range sides {
		p := startProducer(t, d, unique(t, fmt.Sprintf("pg%d", i)), func(_ context.Context, msg *mq.Delivered) mq.TxState {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.checks = append(s.checks, msg.ID)
			return mq.TxCommit
		})
		id, err := p.SendInTransaction(t.Context(), &mq.Message{Topic: topic, Tags: "created", Body: []byte("order")},
			func(context.Context) error { return mq.ErrTxUnknown })
		if !errors.Is(err, mq.ErrTxUnknown) {
			t.Fatalf("SendInTransaction: %v", err)
		}
		s.id = id
	}
	for i, s := range sides {
		testkit.Eventually(t, waitFor, fmt.Sprintf("check-back of producer %d", i), func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return len(s.checks) > 0
		})
		s.mu.Lock()
		for _, id := range s.checks {
			if id != s.id {
				t.Errorf("producer %d was asked about %s, another group's message", i, id)
			}
		}
		s.mu.Unlock()
	}
	testkit.Eventually(t, waitFor, "both committed messages", func() bool {
		ids := []string{}
		for i := range delivered.count() {
			msg, _ := delivered.get(i)
			ids = append(ids, msg.ID)
		}
		return slices.Contains(ids, sides[0].id) && slices.Contains(ids, sides[1].id)
	})
}
