package embedded

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

type subscription struct {
	expr    string
	filter  tagFilter
	handler mq.Handler
}

// consumer is one member of a consumer group. Members of a group in the same broker
// share its deliveries, as the members of a RocketMQ clustering group share its queues.
type consumer struct {
	b     *Broker
	group string

	ctx    context.Context // cancelled by Close; handlers run under it
	cancel context.CancelFunc
	wakeCh chan struct{}
	slots  chan struct{} // one token per handler in flight
	loop   sync.WaitGroup
	active sync.WaitGroup // handlers in flight

	mu      sync.Mutex
	subs    map[string]subscription // by topic; frozen by Start
	started bool
	closed  bool
}

var _ mq.Consumer = (*consumer)(nil)

func newConsumer(b *Broker, group string) *consumer {
	ctx, cancel := context.WithCancel(b.ctx)
	return &consumer{
		b:      b,
		group:  group,
		ctx:    ctx,
		cancel: cancel,
		wakeCh: make(chan struct{}, 1),
		slots:  make(chan struct{}, b.opts.Concurrency),
		subs:   make(map[string]subscription),
	}
}

// Subscribe registers h for the messages of topic whose tag matches tagExpr; a second
// call for the same topic replaces the first, as in RocketMQ.
func (c *consumer) Subscribe(topic, tagExpr string, h mq.Handler) error {
	if err := validateName("topic", topic, maxTopicLen); err != nil {
		return err
	}
	if h == nil {
		return errors.New("mq/embedded: nil handler")
	}
	filter, err := parseTagExpr(tagExpr)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return ErrClosed
	case c.started:
		return fmt.Errorf("mq/embedded: consumer %s: Subscribe after Start", c.group)
	}
	c.subs[topic] = subscription{expr: tagExpr, filter: filter, handler: h}
	return nil
}

// Start records the subscriptions durably, so messages committed from now on are kept
// for the group even while it is down, and starts dispatching.
func (c *consumer) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed || c.b.isClosed():
		return ErrClosed
	case c.started:
		return fmt.Errorf("mq/embedded: consumer %s already started", c.group)
	case len(c.subs) == 0:
		return fmt.Errorf("mq/embedded: consumer %s has no subscriptions", c.group)
	}
	exprs := make(map[string]string, len(c.subs))
	for topic, s := range c.subs {
		exprs[topic] = s.expr
	}
	if err := c.b.recordSubscriptions(c.ctx, c.group, exprs); err != nil {
		return fmt.Errorf("mq/embedded: consumer %s: record subscriptions: %w", c.group, err)
	}
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	if c.b.closed {
		return ErrClosed
	}
	c.b.consumers[c] = struct{}{}
	c.started = true
	c.loop.Add(1)
	go c.run()
	return nil
}

// Close stops dispatch, cancels the context of handlers in flight and waits for them.
func (c *consumer) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()

	c.cancel()
	c.loop.Wait()
	c.active.Wait()
	c.b.mu.Lock()
	delete(c.b.consumers, c)
	c.b.mu.Unlock()
	return nil
}

// poke wakes the dispatch loop without blocking; one pending wake-up is enough.
func (c *consumer) poke() {
	select {
	case c.wakeCh <- struct{}{}:
	default:
	}
}

func (c *consumer) run() {
	defer c.loop.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.wakeCh:
		case <-timer.C:
		}
		timer.Reset(c.dispatch())
	}
}

// dispatch hands due deliveries to handlers while slots are free and returns how long
// to wait before looking again.
func (c *consumer) dispatch() time.Duration {
	free := cap(c.slots) - len(c.slots)
	if free == 0 {
		return c.b.opts.PollInterval // a finishing handler wakes the loop
	}
	claims, wait, err := c.b.claimDue(c.ctx, c, free)
	if err != nil {
		if c.ctx.Err() == nil {
			c.b.log.Error("claiming messages", "group", c.group, "err", err)
		}
		return c.b.opts.PollInterval
	}
	for _, cl := range claims {
		c.slots <- struct{}{}
		c.active.Add(1)
		go c.handle(cl)
	}
	return wait
}

func (c *consumer) handle(cl claim) {
	defer func() {
		<-c.slots
		c.active.Done()
		c.poke()
	}()
	h := c.subs[cl.msg.Topic].handler
	err := c.invoke(h, &cl.msg)
	c.settle(cl, err)
}

// invoke runs h, turning a panic into an error so the message is retried rather than
// the process brought down.
func (c *consumer) invoke(h mq.Handler, msg *mq.Delivered) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.b.log.Error("message handler panicked", "topic", msg.Topic, "group", c.group,
				"id", msg.ID, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("mq/embedded: handler panicked: %v", r)
		}
	}()
	return h(c.ctx, msg)
}

// settle records the outcome of one handler run. The database writes ignore c's
// cancellation: Close waits for them so that an acknowledgement is not lost.
func (c *consumer) settle(cl claim, handlerErr error) {
	ctx := context.WithoutCancel(c.ctx)
	msg, b := &cl.msg, c.b
	var err error
	switch {
	case handlerErr == nil:
		b.stats.Acked.Add(1)
		err = b.ack(ctx, cl.deliveryID)
	case c.ctx.Err() != nil:
		// Interrupted by Close: not the message's fault, so not counted as a failure.
		err = b.requeue(ctx, cl.deliveryID, msg.ReconsumeTimes, time.Now())
	case msg.ReconsumeTimes >= b.opts.MaxReconsume:
		b.stats.Failed.Add(1)
		b.stats.DeadLettered.Add(1)
		b.log.Error("message dead-lettered", "topic", msg.Topic, "group", c.group, "id", msg.ID,
			"deliveries", msg.ReconsumeTimes+1, "err", handlerErr)
		err = b.bury(ctx, cl.deliveryID, msg.ReconsumeTimes+1)
	default:
		b.stats.Failed.Add(1)
		next := msg.ReconsumeTimes + 1
		delay := max(b.opts.RetryBackoff(next), 0)
		b.log.Warn("message handler failed, will redeliver", "topic", msg.Topic, "group", c.group,
			"id", msg.ID, "reconsume_times", msg.ReconsumeTimes, "retry_in", delay, "err", handlerErr)
		err = b.requeue(ctx, cl.deliveryID, next, time.Now().Add(delay))
	}
	if err != nil {
		// The delivery stays in flight until the next Open makes it ready again.
		b.log.Error("recording message outcome", "topic", msg.Topic, "group", c.group,
			"id", msg.ID, "err", err)
	}
}
