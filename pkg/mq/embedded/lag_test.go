package embedded

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

func TestLagCountsDueUnacknowledgedDeliveriesPerGroup(t *testing.T) {
	b, err := Open(filepath.Join(t.TempDir(), "broker.db"), Options{PollInterval: 10 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := b.NewConsumer("slow")
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	if err := c.Subscribe("t", "*", func(ctx context.Context, _ *mq.Delivered) error {
		select {
		case <-gate:
		case <-ctx.Done():
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	p, err := b.NewProducer("p", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lag := func() int64 {
		t.Helper()
		l, err := b.Lag(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n, ok := l["slow"]
		if !ok {
			t.Fatalf("a subscribed group must be reported, even at zero: %v", l)
		}
		return n
	}
	if n := lag(); n != 0 {
		t.Fatalf("nothing sent, lag %d", n)
	}
	for range 3 {
		if _, err := p.Send(ctx, &mq.Message{Topic: "t", Tags: "x", Body: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Send(ctx, &mq.Message{Topic: "t", Tags: "x", Body: []byte("{}"), Delay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if n := lag(); n != 3 {
		t.Fatalf("3 due and unacknowledged (the delayed one is not due): lag %d", n)
	}
	close(gate)
	deadline := time.Now().Add(10 * time.Second)
	for lag() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("lag did not drain: %d", lag())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
