package txmsg_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
)

var migrations = fstest.MapFS{"0001_init.sql": {Data: []byte(`-- +goose Up
CREATE TABLE mq_tx_log (tx_id VARCHAR(64) PRIMARY KEY, topic VARCHAR(128) NOT NULL, tag VARCHAR(64) NOT NULL, created_at DATETIME(6) NOT NULL);
CREATE TABLE notes (id VARCHAR(64) PRIMARY KEY);
-- +goose Down
DROP TABLE notes;
DROP TABLE mq_tx_log;
`)}}

// setup returns a database with the tx log, a sender on an embedded broker, the
// messages a consumer of topic "notes" receives, and the broker.
func setup(t *testing.T) (*gorm.DB, *txmsg.Sender, <-chan *mq.Delivered, *embedded.Broker) {
	t.Helper()
	dir := t.TempDir()
	gdb, err := db.Open(db.Config{Driver: "sqlite", DSN: filepath.Join(dir, "svc.db"), MaxOpenConns: 1, ConnMaxLifetime: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(gdb) })
	if err := db.Migrate(context.Background(), gdb, migrations); err != nil {
		t.Fatal(err)
	}
	broker, err := embedded.Open(filepath.Join(dir, "broker.db"), embedded.Options{PollInterval: 10 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = broker.Close() })
	producer, err := broker.NewProducer("notes-tx", txmsg.Checker(gdb))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *mq.Delivered, 10)
	consumer, err := broker.NewConsumer("notes-svc")
	if err != nil {
		t.Fatal(err)
	}
	if err := consumer.Subscribe("notes", "*", func(_ context.Context, m *mq.Delivered) error { got <- m; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := consumer.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = consumer.Close() })
	return gdb, txmsg.NewSender(gdb, producer), got, broker
}

func count(t *testing.T, gdb *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := gdb.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSendCommitsMessageWithTransaction(t *testing.T) {
	gdb, sender, got, _ := setup(t)
	msg := &mq.Message{Topic: "notes", Tags: "added", Body: []byte(`{"id":"n1"}`)}
	err := sender.Send(context.Background(), msg, func(tx *gorm.DB) error {
		return tx.Exec("INSERT INTO notes (id) VALUES ('n1')").Error
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m.Property(txmsg.PropTxID) == "" || string(m.Body) != `{"id":"n1"}` {
			t.Fatalf("delivered %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("committed message not delivered")
	}
	if count(t, gdb, "notes") != 1 || count(t, gdb, "mq_tx_log") != 1 {
		t.Fatal("the business row and the tx record must both be committed")
	}
}

func TestSendRollsBackMessageWithTransaction(t *testing.T) {
	gdb, sender, got, broker := setup(t)
	boom := errors.New("rule refused")
	err := sender.Send(context.Background(), &mq.Message{Topic: "notes", Tags: "added", Body: []byte("x")}, func(tx *gorm.DB) error {
		if err := tx.Exec("INSERT INTO notes (id) VALUES ('n2')").Error; err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("want the local error back, got %v", err)
	}
	testkit.Drained(t, broker, 5*time.Second) // a wrongly committed message has arrived by now
	select {
	case m := <-got:
		t.Fatalf("rolled-back message delivered: %+v", m)
	default:
	}
	if count(t, gdb, "notes") != 0 || count(t, gdb, "mq_tx_log") != 0 {
		t.Fatal("nothing may be left of a rolled-back transaction")
	}
}

func TestTransactionWithoutAMessageWritesNoTxRecord(t *testing.T) {
	gdb, sender, _, _ := setup(t)
	err := sender.Transaction(context.Background(), nil, func(tx *gorm.DB) error {
		return tx.Exec("INSERT INTO notes (id) VALUES ('n3')").Error
	})
	if err != nil {
		t.Fatal(err)
	}
	if count(t, gdb, "notes") != 1 || count(t, gdb, "mq_tx_log") != 0 {
		t.Fatal("want the row committed and no tx record (no message was sent)")
	}
}

func TestCheckerAnswersFromTheDatabase(t *testing.T) {
	gdb, _, _, _ := setup(t)
	check := txmsg.Checker(gdb)
	if err := gdb.Exec("INSERT INTO mq_tx_log (tx_id, topic, tag, created_at) VALUES ('t-1', 'notes', 'added', ?)", time.Now().UTC()).Error; err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * txmsg.LocalTimeout)
	msg := func(txID string, born time.Time) *mq.Delivered {
		d := &mq.Delivered{BornAt: born}
		if txID != "" {
			d.WithProperty(txmsg.PropTxID, txID)
		}
		return d
	}
	cases := []struct {
		name string
		msg  *mq.Delivered
		want mq.TxState
	}{
		{"committed", msg("t-1", old), mq.TxCommit},
		{"committed_young", msg("t-1", time.Now()), mq.TxCommit},
		{"missing_after_local_timeout", msg("t-2", old), mq.TxRollback},
		{"missing_while_local_tx_may_run", msg("t-2", time.Now()), mq.TxUnknown},
		{"no_tx_id", msg("", old), mq.TxRollback},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := check(context.Background(), tc.msg); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}
