package mq

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	cases := []struct {
		name, in string
		want     Faults
		err      bool
	}{
		{"empty", "", Faults{}, false},
		{"all", "dup=0.2, delay=0.5,max=2s", Faults{Duplicate: 0.2, Delay: 0.5, MaxDelay: 2 * time.Second}, false},
		{"default_max", "dup=1", Faults{Duplicate: 1, MaxDelay: time.Second}, false},
		{"share_above_one", "dup=1.5", Faults{}, true},
		{"unknown_key", "drop=0.1", Faults{}, true},
		{"not_key_value", "dup", Faults{}, true},
		{"zero_max", "delay=0.1,max=0s", Faults{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFaults(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("ParseFaults(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

// fakeDriver hands out consumers that keep their handler, so a test delivers by hand.
type fakeDriver struct {
	Driver
	consumer *fakeConsumer
}

func (d *fakeDriver) NewConsumer(string) (Consumer, error) { return d.consumer, nil }

type fakeConsumer struct {
	Consumer
	h      Handler
	closed bool
}

func (c *fakeConsumer) Subscribe(_, _ string, h Handler) error { c.h = h; return nil }
func (c *fakeConsumer) Close() error                           { c.closed = true; return nil }

// handled records every run of the real handler.
type handled struct {
	mu   sync.Mutex
	runs []Delivered
}

func (r *handled) handle(_ context.Context, msg *Delivered) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, *msg)
	return nil
}

func (r *handled) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.runs)
}

func faulty(t *testing.T, f Faults, h Handler) (*fakeConsumer, Consumer) {
	t.Helper()
	fake := &fakeConsumer{}
	c, err := WithFaults(&fakeDriver{consumer: fake}, f).NewConsumer("g")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe("t", "*", h); err != nil {
		t.Fatal(err)
	}
	return fake, c
}

func TestWithFaults_duplicatesAcknowledgedDeliveries(t *testing.T) {
	var rec handled
	fake, c := faulty(t, Faults{Duplicate: 1, MaxDelay: 20 * time.Millisecond}, rec.handle)
	for _, id := range []string{"a", "b", "c"} {
		if err := fake.h(context.Background(), &Delivered{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for rec.count() < 6 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := c.Close(); err != nil || !fake.closed {
		t.Fatalf("close: %v, real consumer closed %v", err, fake.closed)
	}
	seen := map[string][]int{}
	for _, d := range rec.runs {
		seen[d.ID] = append(seen[d.ID], d.ReconsumeTimes)
	}
	for _, id := range []string{"a", "b", "c"} {
		if got := seen[id]; len(got) != 2 || got[0] != 0 || got[1] != 1 {
			t.Fatalf("message %s handled with reconsume times %v, want [0 1] (all: %v)", id, got, seen)
		}
	}
}

func TestWithFaults_failedDeliveryIsNotDuplicated(t *testing.T) {
	boom := errors.New("boom")
	var runs int
	fake, c := faulty(t, Faults{Duplicate: 1, MaxDelay: time.Millisecond}, func(context.Context, *Delivered) error {
		runs++
		return boom
	})
	if err := fake.h(context.Background(), &Delivered{ID: "a"}); !errors.Is(err, boom) {
		t.Fatalf("the handler's error must reach the broker, got %v", err)
	}
	_ = c.Close() // waits for any duplicate scheduled
	if runs != 1 {
		t.Fatalf("a failed delivery was run %d times; the broker redelivers it, not the wrapper", runs)
	}
}

func TestWithFaults_delayHoldsDeliveriesBack(t *testing.T) {
	var rec handled
	fake, c := faulty(t, Faults{Delay: 1, MaxDelay: 200 * time.Millisecond}, rec.handle)
	defer c.Close()
	// Ten deliveries side by side, each held back by its own random time: they reach the
	// handler in another order than they came, as a broker's redeliveries do.
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = fake.h(context.Background(), &Delivered{ID: string(rune('a' + i)), ReconsumeTimes: i})
		}()
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	if rec.count() != 10 {
		t.Fatalf("%d of 10 deliveries handled", rec.count())
	}
	inOrder := true
	for i, d := range rec.runs {
		inOrder = inOrder && d.ReconsumeTimes == i
	}
	if inOrder {
		t.Fatal("ten deliveries held back at random still arrived in order")
	}
}

func TestWithFaults_noneIsTheDriverItself(t *testing.T) {
	d := &fakeDriver{}
	if WithFaults(d, Faults{}) != Driver(d) {
		t.Fatal("no faults must not wrap the driver")
	}
}
