package mq

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Faults make a driver's consumers misbehave the way a broker may: deliver a message a
// second time after the first was acknowledged, and hold some deliveries back so later
// messages overtake them. Handlers must stay correct under both (at-least-once,
// unordered); `make chaos` turns this on for a run with <PREFIX>MQ_FAULTS.
type Faults struct {
	Duplicate float64       // share of acknowledged deliveries delivered once more
	Delay     float64       // share of deliveries held back before the handler runs
	MaxDelay  time.Duration // the longest hold-back, and the latest a duplicate comes
}

// ParseFaults reads "dup=0.2,delay=0.3,max=2s"; an empty string is no faults.
func ParseFaults(s string) (Faults, error) {
	f := Faults{MaxDelay: time.Second}
	if strings.TrimSpace(s) == "" {
		return Faults{}, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Faults{}, fmt.Errorf("mq faults: %q is not key=value", part)
		}
		var err error
		switch k {
		case "dup":
			f.Duplicate, err = share(v)
		case "delay":
			f.Delay, err = share(v)
		case "max":
			f.MaxDelay, err = time.ParseDuration(v)
			if err == nil && f.MaxDelay <= 0 {
				err = errors.New("must be positive")
			}
		default:
			err = errors.New("unknown key (dup, delay, max)")
		}
		if err != nil {
			return Faults{}, fmt.Errorf("mq faults: %s=%s: %w", k, v, err)
		}
	}
	return f, nil
}

func share(v string) (float64, error) {
	p, err := strconv.ParseFloat(v, 64)
	if err == nil && (p < 0 || p > 1) {
		err = errors.New("must be within 0 and 1")
	}
	return p, err
}

// Active tells whether f changes anything.
func (f Faults) Active() bool { return f.Duplicate > 0 || f.Delay > 0 }

// WithFaults wraps d so its consumers deliver per f. Producers are d's own.
func WithFaults(d Driver, f Faults) Driver {
	if !f.Active() {
		return d
	}
	return &faultyDriver{Driver: d, faults: f}
}

type faultyDriver struct {
	Driver
	faults Faults
}

// Ping and Stats pass through, so readiness and metrics see the real driver.
func (d *faultyDriver) Ping(ctx context.Context) error {
	if p, ok := d.Driver.(interface{ Ping(context.Context) error }); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (d *faultyDriver) Stats() Stats {
	if s, ok := d.Driver.(interface{ Stats() Stats }); ok {
		return s.Stats()
	}
	return Stats{}
}

func (d *faultyDriver) NewConsumer(group string) (Consumer, error) {
	c, err := d.Driver.NewConsumer(group)
	if err != nil {
		return nil, err
	}
	return &faultyConsumer{Consumer: c, faults: d.faults, stop: make(chan struct{})}, nil
}

type faultyConsumer struct {
	Consumer
	faults  Faults
	stop    chan struct{}
	stopped atomic.Bool
	extra   sync.WaitGroup // duplicates scheduled and not yet run
	// Injected counts what was done, for tests and logs.
	duplicated, delayed atomic.Int64
}

func (c *faultyConsumer) Subscribe(topic, tagExpr string, h Handler) error {
	return c.Consumer.Subscribe(topic, tagExpr, c.wrap(h))
}

func (c *faultyConsumer) wrap(h Handler) Handler {
	return func(ctx context.Context, msg *Delivered) error {
		if c.faults.Delay > 0 && rand.Float64() < c.faults.Delay {
			c.delayed.Add(1)
			select {
			case <-time.After(c.jitter()):
			case <-ctx.Done():
				return ctx.Err()
			case <-c.stop:
			}
		}
		if err := h(ctx, msg); err != nil {
			return err
		}
		if c.faults.Duplicate > 0 && rand.Float64() < c.faults.Duplicate && !c.stopped.Load() {
			c.duplicated.Add(1)
			c.redeliver(h, msg)
		}
		return nil
	}
}

// redeliver runs h once more on a copy of msg a little later, as a broker does after a
// lost acknowledgement; its outcome is the duplicate's only (the original was acked).
func (c *faultyConsumer) redeliver(h Handler, msg *Delivered) {
	again := *msg
	again.ReconsumeTimes++
	c.extra.Add(1)
	go func() {
		defer c.extra.Done()
		select {
		case <-time.After(c.jitter()):
		case <-c.stop:
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = h(ctx, &again)
	}()
}

func (c *faultyConsumer) jitter() time.Duration {
	return time.Duration(rand.Int64N(int64(c.faults.MaxDelay)) + 1)
}

// Close drops the duplicates not yet delivered (a broker would redeliver them to the
// next consumer; the originals were handled) and closes the real consumer.
func (c *faultyConsumer) Close() error {
	if c.stopped.CompareAndSwap(false, true) {
		close(c.stop)
	}
	c.extra.Wait()
	return c.Consumer.Close()
}
