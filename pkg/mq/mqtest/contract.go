// Package mqtest is the one contract suite for the messaging port: every mq.Driver, the
// embedded broker and RocketMQ alike, must pass RunContract.
package mqtest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

const (
	// deliveryTimeout bounds each wait for something that must happen; RocketMQ needs
	// seconds for a rebalance, a retry level or a transaction check.
	deliveryTimeout = 20 * time.Second
	// quietWindow is how long a message that must not arrive is watched for after a
	// barrier message sent later has arrived.
	quietWindow = time.Second
	pollEvery   = 20 * time.Millisecond
	// txProperty names the local transaction a transactional test message belongs to.
	txProperty = "contract_tx"
)

// RunContract runs the contract against drivers made by newDriver, one per subtest; the
// factory arranges for its driver to be closed (t.Cleanup), RunContract closes the
// producers and consumers it makes. Subtests run in parallel under unique topic and
// group names. Beyond the mq package's documentation the contract expects what RocketMQ
// does: Delivered.ID is the id Send returned (RocketMQ's client-side UNIQ_KEY, kept on
// redelivery and check-back); a group started before a send receives it; a handler that
// panics is retried like one that returns an error.
func RunContract(t *testing.T, newDriver func(t *testing.T) mq.Driver) {
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture)
	}{
		{"delivery", testDelivery},
		{"tag_filter", testTagFilter},
		{"groups_each_get_a_copy", testGroups},
		{"redelivery_after_failure", testRedelivery},
		{"delay", testDelay},
		{"tx_commit", testTxCommit},
		{"tx_rollback", testTxRollback},
		{"tx_checkback_commit", testCheckBackCommit},
		{"tx_checkback_rollback", testCheckBackRollback},
		{"tx_concurrent_sends", testConcurrentTx},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newFixture(t, newDriver(t)))
		})
	}
}

func sendCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), deliveryTimeout)
	t.Cleanup(cancel)
	return ctx
}

func send(t *testing.T, p mq.Producer, msg *mq.Message) string {
	t.Helper()
	id, err := p.Send(sendCtx(t), msg)
	if err != nil {
		t.Fatalf("Send to %s: %v", msg.Topic, err)
	}
	if id == "" {
		t.Fatalf("Send to %s returned an empty id", msg.Topic)
	}
	return id
}

func testDelivery(t *testing.T, f *fixture) {
	topic := f.name("topic")
	in := f.consume(t, f.name("cg"), topic, "*", nil)
	p := f.producer(t, f.name("pg"), nil)

	want := &mq.Message{Topic: topic, Tags: "created", Keys: []string{"order-1001", "user-7"},
		Body: []byte(`{"order_no":"1001","amount_cents":2599}`)}
	want.WithProperty("trace", "00-4bf92f3577b34da6-01").WithProperty("tenant", "shop")
	before := time.Now()
	id := send(t, p, want)
	got := in.waitID(t, id, 1)[0].msg
	after := time.Now()

	if got.Topic != topic || got.Tags != want.Tags {
		t.Errorf("topic/tag = %s/%s, want %s/%s", got.Topic, got.Tags, topic, want.Tags)
	}
	if !bytes.Equal(got.Body, want.Body) {
		t.Errorf("body = %q, want %q", got.Body, want.Body)
	}
	if !slices.Equal(got.Keys, want.Keys) {
		t.Errorf("keys = %q, want %q", got.Keys, want.Keys)
	}
	// A driver may add properties of its own (RocketMQ does); ours must arrive intact.
	for k, v := range want.Properties {
		if got.Property(k) != v {
			t.Errorf("property %s = %q, want %q", k, got.Property(k), v)
		}
	}
	if got.ReconsumeTimes != 0 {
		t.Errorf("first delivery has ReconsumeTimes %d", got.ReconsumeTimes)
	}
	if got.BornAt.Before(before.Add(-time.Second)) || got.BornAt.After(after.Add(time.Second)) {
		t.Errorf("BornAt %v outside the send window [%v, %v]", got.BornAt, before, after)
	}
}

func testTagFilter(t *testing.T, f *fixture) {
	topic := f.name("topic")
	filtered := f.consume(t, f.name("cg_paid"), topic, "paid || cancelled", nil)
	all := f.consume(t, f.name("cg_all"), topic, "*", nil)
	p := f.producer(t, f.name("pg"), nil)

	ids := map[string]string{}
	for _, tag := range []string{"created", "paid", "cancelled"} {
		ids[tag] = send(t, p, &mq.Message{Topic: topic, Tags: tag, Body: []byte(tag)})
	}
	for _, tag := range []string{"created", "paid", "cancelled"} {
		all.waitID(t, ids[tag], 1)
	}
	for _, tag := range []string{"paid", "cancelled"} {
		if got := filtered.waitID(t, ids[tag], 1)[0].msg; got.Tags != tag {
			t.Errorf("message %s arrived with tag %q, want %q", got.ID, got.Tags, tag)
		}
	}
	never(t, quietWindow, "the paid||cancelled group received the created message", func() bool {
		return len(filtered.byID(ids["created"])) > 0
	})
}

func testGroups(t *testing.T, f *fixture) {
	topic := f.name("topic")
	stock := f.consume(t, f.name("cg_stock"), topic, "*", nil)
	audit := f.consume(t, f.name("cg_audit"), topic, "*", nil)
	p := f.producer(t, f.name("pg"), nil)

	id := send(t, p, &mq.Message{Topic: topic, Tags: "created", Body: []byte("order 1")})
	for name, in := range map[string]*inbox{"stock": stock, "audit": audit} {
		if got := in.waitID(t, id, 1)[0].msg; string(got.Body) != "order 1" {
			t.Errorf("group %s got body %q", name, got.Body)
		}
	}
}

func testRedelivery(t *testing.T, f *fixture) {
	topic := f.name("topic")
	in := f.consume(t, f.name("cg"), topic, "*", func(n int) error {
		switch n {
		case 1:
			return errors.New("stock service unavailable")
		case 2:
			panic("handler bug")
		}
		return nil
	})
	p := f.producer(t, f.name("pg"), nil)

	id := send(t, p, &mq.Message{Topic: topic, Tags: "created", Body: []byte("retry me")})
	var got []receipt
	for n := 1; n <= 3; n++ { // each redelivery may take a RocketMQ retry level
		got = in.waitID(t, id, n)
	}
	for i, r := range got {
		if r.msg.ReconsumeTimes != i || string(r.msg.Body) != "retry me" {
			t.Errorf("delivery %d: ReconsumeTimes %d body %q, want %d %q",
				i+1, r.msg.ReconsumeTimes, r.msg.Body, i, "retry me")
		}
	}
	never(t, quietWindow, "a fourth delivery after the handler succeeded", func() bool {
		return len(in.byID(id)) > 3
	})
}

func testDelay(t *testing.T, f *fixture) {
	const delay = time.Second
	topic := f.name("topic")
	in := f.consume(t, f.name("cg"), topic, "*", nil)
	p := f.producer(t, f.name("pg"), nil)

	start := time.Now()
	id := send(t, p, &mq.Message{Topic: topic, Tags: "timeout", Body: []byte("late"), Delay: delay})
	got := in.waitID(t, id, 1)[0]
	// The tolerance only absorbs clock granularity between the broker and this process.
	if elapsed := got.at.Sub(start); elapsed < delay-50*time.Millisecond {
		t.Errorf("message with Delay %v delivered after only %v", delay, elapsed)
	}
}
