package embedded_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// A consumer with one handler in flight claims one delivery at a time; a backlog of tags
// it does not want, longer than one claim looks through, must neither hide the messages
// it wants behind it nor stay behind as lag.
func TestOneSlotConsumerGetsPastALongRunOfUnwantedTags(t *testing.T) {
	opts := fast
	opts.Concurrency = 1
	b := open(t, filepath.Join(t.TempDir(), "mq.db"), opts, nil)
	got := make(collector, 100)
	c, err := b.NewConsumer("cg_paid")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe("order", "paid", got.handle); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := produce(t, b, "pg_order", nil)
	for i := range 50 { // unwanted, ahead of the wanted ones
		send(t, p, &mq.Message{Topic: "order", Tags: "created", Body: fmt.Appendf(nil, "created %d", i)})
	}
	want := map[string]bool{}
	for i := range 3 {
		want[send(t, p, &mq.Message{Topic: "order", Tags: "paid", Body: fmt.Appendf(nil, "paid %d", i)})] = true
	}
	for range len(want) {
		d := got.next(t)
		if !want[d.ID] || d.Tags != "paid" {
			t.Fatalf("delivered %s tagged %q (%s), want one of the paid messages", d.ID, d.Tags, d.Body)
		}
		delete(want, d.ID)
	}
	testkit.Drained(t, b, waitLimit)
	got.none(t, 100*time.Millisecond)
}
