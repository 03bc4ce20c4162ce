package embedded_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
)

// BenchmarkRelay is the consistency protocol's shape on the broker alone: 32 senders
// each send a transactional message (as CreateOrder sends order.created), a relay group
// answers every one with a transactional message of its own (as the product service
// answers with stock.reserved), and a last group consumes the answers (the order
// service). It reports how fast the senders sent and how fast the answers were
// consumed, from the first send until the last answer, for a few numbers of handlers in
// flight per consumer:
//
//	go test ./mq/embedded/ -run '^$' -bench Relay -benchtime 3000x -count 3
func BenchmarkRelay(b *testing.B) {
	for _, handlers := range []int{4, 20} {
		b.Run(fmt.Sprintf("handlers=%d", handlers), func(b *testing.B) { relay(b, handlers) })
	}
}

func relay(b *testing.B, handlers int) {
	broker, err := embedded.Open(filepath.Join(b.TempDir(), "mq.db"), embedded.Options{Concurrency: handlers}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	commit := func(context.Context, *mq.Delivered) mq.TxState { return mq.TxCommit }
	noop := func(context.Context) error { return nil }
	relay, err := broker.NewProducer("relay_tx", commit)
	if err != nil {
		b.Fatal(err)
	}
	var answered atomic.Int64
	done := make(chan struct{})
	start := func(group, topic string, h mq.Handler) {
		c, err := broker.NewConsumer(group)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Subscribe(topic, "*", h); err != nil {
			b.Fatal(err)
		}
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
	}
	start("relay", "created", func(ctx context.Context, m *mq.Delivered) error {
		_, err := relay.SendInTransaction(ctx, &mq.Message{Topic: "answered", Tags: "ok", Body: m.Body}, noop)
		return err
	})
	start("last", "answered", func(context.Context, *mq.Delivered) error {
		if answered.Add(1) == int64(b.N) {
			close(done)
		}
		return nil
	})
	sender, err := broker.NewProducer("sender_tx", commit)
	if err != nil {
		b.Fatal(err)
	}
	const senders = 32
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	began := time.Now()
	for range senders {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				msg := &mq.Message{Topic: "created", Tags: "created", Body: []byte(`{"order_id":"x"}`)}
				if _, err := sender.SendInTransaction(context.Background(), msg, noop); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	sent := time.Since(began)
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("%d of %d answers consumed", answered.Load(), b.N)
	}
	all := time.Since(began)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/sent.Seconds(), "sent/s")
	b.ReportMetric(float64(b.N)/all.Seconds(), "answered/s")
	b.ReportMetric(0, "ns/op")
}
