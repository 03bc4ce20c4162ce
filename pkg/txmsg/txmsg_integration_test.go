//go:build integration

package txmsg_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/rocketmq"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
)

// realEngines opens a fresh MariaDB database with the tx log and a RocketMQ driver, both
// from scripts/infra.sh env; the integration build fails without them, never skips.
func realEngines(t *testing.T) (*gorm.DB, mq.Driver) {
	t.Helper()
	for _, name := range []string{dbtest.MySQLEnv, "CARTWHEEL_ROCKETMQ_NAMESRV", "CARTWHEEL_ROCKETMQ_DELAY_LEVELS"} {
		if os.Getenv(name) == "" {
			t.Fatalf("%s is not set: run against the engines of scripts/infra.sh (make test starts them)", name)
		}
	}
	var mysql db.Config
	for _, e := range dbtest.Engines(t) {
		if e.Name == "mysql" {
			mysql = e.Config
		}
	}
	gdb := dbtest.Migrated(t, mysql, migrations)
	levels, err := rocketmq.ParseDelayLevels(os.Getenv("CARTWHEEL_ROCKETMQ_DELAY_LEVELS"))
	if err != nil {
		t.Fatal(err)
	}
	driver, err := rocketmq.Open(rocketmq.Config{
		NameServers: strings.Split(os.Getenv("CARTWHEEL_ROCKETMQ_NAMESRV"), ","), DelayLevels: levels,
		InstancePrefix: "txmsg-it",
	}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = driver.Close() })
	t.Log("engines: MariaDB and RocketMQ from scripts/infra.sh")
	return gdb, driver
}

func unique(prefix string) string { return fmt.Sprintf("%s_%08x", prefix, rand.Uint32()) }

// consume subscribes a fresh group to topic and forwards every delivery.
func consume(t *testing.T, driver mq.Driver, topic, group string, h mq.Handler) mq.Consumer {
	t.Helper()
	c, err := driver.NewConsumer(group)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(topic, "*", h); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// A half message whose local outcome the producer could not tell (it returned
// ErrTxUnknown) is settled by RocketMQ's check-back, answered from MariaDB: committed when
// the tx-log row is there, rolled back when it is not.
func TestCheckBackSettlesFromTheDatabase(t *testing.T) {
	gdb, driver := realEngines(t)
	topic := unique("txmsg_it")
	// The checker the services use, watched: which answer each body got.
	var answers sync.Map
	check := txmsg.Checker(gdb)
	producer, err := driver.NewProducer(unique("txmsg_it_tx"), func(ctx context.Context, m *mq.Delivered) mq.TxState {
		state := check(ctx, m)
		answers.Store(string(m.Body), state)
		return state
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = producer.Close() })
	got := make(chan string, 4)
	consume(t, driver, topic, unique("txmsg_it_svc"), func(_ context.Context, m *mq.Delivered) error {
		got <- string(m.Body)
		return nil
	})

	send := func(body string, commitRow bool) {
		msg := &mq.Message{Topic: topic, Tags: "t", Body: []byte(body)}
		txID := unique("tx")
		msg.WithProperty(txmsg.PropTxID, txID)
		_, err := producer.SendInTransaction(context.Background(), msg, func(ctx context.Context) error {
			if commitRow {
				rec := txmsg.Record{TxID: txID, Topic: topic, Tag: "t", CreatedAt: time.Now().UTC()}
				if err := gdb.WithContext(ctx).Create(&rec).Error; err != nil {
					return err
				}
			}
			return mq.ErrTxUnknown // as if the process died before telling the broker
		})
		if err != nil && !errors.Is(err, mq.ErrTxUnknown) {
			t.Fatalf("send %s: %v", body, err)
		}
	}
	send("committed", true)
	send("rolled-back", false)

	answered := func(body string, want mq.TxState) bool {
		v, ok := answers.Load(body)
		return ok && v.(mq.TxState) == want
	}
	deadline := time.After(40 * time.Second)
	delivered := false
	for !delivered || !answered("rolled-back", mq.TxRollback) {
		select {
		case body := <-got:
			if body == "rolled-back" {
				t.Fatal("a message whose transaction never wrote its row was delivered")
			}
			delivered = true
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("within 40s: committed delivered %v, answers committed=%v rolled-back=%v",
				delivered, answered("committed", mq.TxCommit), answered("rolled-back", mq.TxRollback))
		}
	}
	if !answered("committed", mq.TxCommit) {
		t.Fatal("the committed message was delivered without the checker answering COMMIT")
	}
	// Delivery is at least once: the committed message may come again (a rebalance on a
	// new topic does that); the rolled-back one must never come.
	grace := time.After(3 * time.Second)
	for {
		select {
		case body := <-got:
			if body == "rolled-back" {
				t.Fatal("after ROLLBACK, the rolled-back message was still delivered")
			}
		case <-grace:
			return
		}
	}
}

// A consumer that applied its effect and died before acknowledging gets the message
// again (here: the next consumer of its group does), and the effect, keyed by the
// message in the same transaction, lands once.
func TestRedeliveryAfterACrashAppliesTheEffectOnce(t *testing.T) {
	gdb, driver := realEngines(t)
	topic, group := unique("txmsg_it_crash"), unique("txmsg_it_crash_svc")
	producer, err := driver.NewProducer(unique("txmsg_it_crash_pr"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = producer.Close() })

	// The effect: a notes row keyed by the message's business key, so a second
	// application finds it and does nothing.
	apply := func(ctx context.Context, m *mq.Delivered) error {
		return gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var n int64
			if err := tx.Table("notes").Where("id = ?", string(m.Body)).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			return tx.Exec("INSERT INTO notes (id) VALUES (?)", string(m.Body)).Error
		})
	}
	var deliveries atomic.Int64
	applied := make(chan struct{})
	first := consume(t, driver, topic, group, func(ctx context.Context, m *mq.Delivered) error {
		deliveries.Add(1)
		if err := apply(ctx, m); err != nil {
			return err
		}
		close(applied)
		<-ctx.Done() // dies here: effect committed, never acknowledged
		return ctx.Err()
	})
	if _, err := producer.Send(context.Background(), &mq.Message{Topic: topic, Tags: "t", Body: []byte("note-1")}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-applied:
	case <-time.After(40 * time.Second):
		t.Fatal("the first consumer never received the message")
	}
	_ = first.Close()

	again := make(chan struct{}, 1)
	consume(t, driver, topic, group, func(ctx context.Context, m *mq.Delivered) error {
		deliveries.Add(1)
		if err := apply(ctx, m); err != nil {
			return err
		}
		again <- struct{}{}
		return nil
	})
	select {
	case <-again:
	case <-time.After(40 * time.Second):
		t.Fatal("the message was not delivered again after the consumer died")
	}
	var n int64
	if err := gdb.Table("notes").Where("id = ?", "note-1").Count(&n).Error; err != nil || n != 1 {
		t.Fatalf("effect applied %d times (%v), want once", n, err)
	}
	if deliveries.Load() < 2 {
		t.Fatalf("delivered %d times, want at least 2", deliveries.Load())
	}
}
