package rocketmq

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	rmqconsumer "github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// offlineConsumer is a consumer whose driver has no broker: enough to run the handler
// path the client calls, which decides acknowledgement, retry and dead-lettering.
func offlineConsumer(t *testing.T, maxReconsume int) (*consumer, *Driver) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := &Driver{cfg: Config{MaxReconsume: maxReconsume}, log: slog.New(slog.DiscardHandler), ctx: ctx,
		cancel: cancel, consumers: map[*consumer]struct{}{}, producers: map[*producer]struct{}{}}
	return newConsumer(d, "cg"), d
}

func delivery(reconsumeTimes int32) *primitive.MessageExt {
	ext := &primitive.MessageExt{ReconsumeTimes: reconsumeTimes}
	ext.Topic = "cartwheel_order"
	ext.Body = []byte("order 1")
	ext.WithProperty("UNIQ_KEY", "C0000202AB12000000006844A0800001")
	return ext
}

func TestHandleOutcomes(t *testing.T) {
	cases := []struct {
		name           string
		reconsumeTimes int32
		handler        mq.Handler
		wantAck        bool
		want           Stats
	}{
		{"success_acknowledges", 0, func(context.Context, *mq.Delivered) error { return nil },
			true, Stats{Acked: 1}},
		{"error_retries", 0, func(context.Context, *mq.Delivered) error { return errors.New("stock service down") },
			false, Stats{Failed: 1}},
		{"panic_retries", 1, func(context.Context, *mq.Delivered) error { panic("handler bug") },
			false, Stats{Failed: 1}},
		{"failure_on_last_attempt_is_dead_lettered", 2,
			func(context.Context, *mq.Delivered) error { return errors.New("still down") },
			false, Stats{Failed: 1, DeadLettered: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, d := offlineConsumer(t, 2)
			var seen *mq.Delivered
			h := func(ctx context.Context, msg *mq.Delivered) error {
				seen = msg
				return tc.handler(ctx, msg)
			}
			result, err := c.receiver(h)(context.Background(), delivery(tc.reconsumeTimes))
			if err != nil {
				t.Fatalf("callback error %v: the client would log it and retry anyway", err)
			}
			if got := result == rmqconsumer.ConsumeSuccess; got != tc.wantAck {
				t.Errorf("acknowledged = %v, want %v", got, tc.wantAck)
			}
			if seen == nil || seen.ID != "C0000202AB12000000006844A0800001" || seen.ReconsumeTimes != int(tc.reconsumeTimes) {
				t.Errorf("handler saw %+v", seen)
			}
			if got := d.Stats(); got != tc.want {
				t.Errorf("stats = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A handler interrupted by Close, and a message arriving during Close, are neither
// acknowledged nor retried: their callbacks wait until the client is shut down (it
// then ignores them) and nothing counts as a failure.
func TestHandleDuringClose(t *testing.T) {
	c, d := offlineConsumer(t, 16)
	c.subs["cartwheel_order"] = subscription{expr: "*"}
	c.started = true

	running := make(chan struct{})
	interrupted := make(chan bool, 2)
	callback := c.receiver(func(ctx context.Context, _ *mq.Delivered) error {
		close(running)
		<-ctx.Done()
		return ctx.Err()
	})
	go func() {
		result, _ := callback(context.Background(), delivery(0))
		interrupted <- result != rmqconsumer.ConsumeSuccess
	}()
	<-running

	closed := make(chan struct{})
	go func() {
		c.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after cancelling the handler")
	}
	select {
	case notAcked := <-interrupted:
		if !notAcked {
			t.Error("an interrupted delivery was acknowledged")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the interrupted callback did not return after Close")
	}

	ran := false
	late := c.receiver(func(context.Context, *mq.Delivered) error { ran = true; return nil })
	if result, _ := late(context.Background(), delivery(0)); result == rmqconsumer.ConsumeSuccess || ran {
		t.Errorf("a delivery after Close ran the handler (%v) or was acknowledged (result %v)", ran, result)
	}
	if got := d.Stats(); got != (Stats{}) {
		t.Errorf("stats = %+v, want nothing counted", got)
	}
}
