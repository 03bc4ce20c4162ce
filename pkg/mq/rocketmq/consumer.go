package rocketmq

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	rmq "github.com/apache/rocketmq-client-go/v2"
	rmqconsumer "github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

const (
	// topicPoll is how often a consumer waiting for its topics, or for its group's
	// retry topic, asks the name server again.
	topicPoll = 250 * time.Millisecond
	// topicWaitWarn is how often a consumer still waiting for a topic says so.
	topicWaitWarn = 30 * time.Second
	// retryTopicWait bounds the wait for the retry topic, which the broker creates at
	// the group's first heartbeat, i.e. during Start.
	retryTopicWait = 10 * time.Second
)

type subscription struct {
	expr    string
	handler mq.Handler
}

// consumer is one member of a consumer group: one push consumer of the client, in
// clustering mode, started from the first offset for a new group.
type consumer struct {
	d     *Driver
	group string

	ctx    context.Context // cancelled by Close: handlers and the start-up loops run under it
	cancel context.CancelFunc
	loops  sync.WaitGroup // the goroutine that waits for topics and refreshes routes
	active sync.WaitGroup // handlers in flight
	// stopped is closed once the client is shut down. Deliveries that must not be
	// acknowledged (arrived during Close, or interrupted by it) wait for it: the client
	// ignores the result of a delivery whose queue was dropped at shutdown, so the
	// message goes back to the group at its committed offset, without a retry.
	stopped chan struct{}

	mu   sync.Mutex
	subs map[string]subscription // by topic; frozen by Start
	// backlog is, per message queue, how many messages were behind the last one this
	// member acknowledged there (the broker's MAX_OFFSET on the delivery, minus its
	// offset, minus one): the group's lag as a RocketMQ console estimates it.
	backlog map[string]int64
	started bool
	closing bool
	pc      rmq.PushConsumer // set once the client consumer started
}

var _ mq.Consumer = (*consumer)(nil)

func newConsumer(d *Driver, group string) *consumer {
	ctx, cancel := context.WithCancel(d.ctx)
	return &consumer{
		d:       d,
		group:   group,
		ctx:     ctx,
		cancel:  cancel,
		stopped: make(chan struct{}),
		subs:    make(map[string]subscription),
		backlog: make(map[string]int64),
	}
}

// noteBacklog records what was left behind ext in its queue once ext is acknowledged.
func (c *consumer) noteBacklog(ext *primitive.MessageExt) {
	maxOffset, err := strconv.ParseInt(ext.GetProperty(primitive.PropertyMaxOffset), 10, 64)
	if err != nil || ext.Queue == nil {
		return
	}
	key := ext.Queue.Topic + "/" + ext.Queue.BrokerName + "/" + strconv.Itoa(ext.Queue.QueueId)
	c.mu.Lock()
	c.backlog[key] = max(maxOffset-ext.QueueOffset-1, 0)
	c.mu.Unlock()
}

// lag sums the backlog over the queues this member has consumed from.
func (c *consumer) lag() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, b := range c.backlog {
		n += b
	}
	return n
}

// Subscribe registers h for the messages of topic whose tag matches tagExpr ("*" or
// "a || b"); a second call for the same topic replaces the first, as in RocketMQ.
func (c *consumer) Subscribe(topic, tagExpr string, h mq.Handler) error {
	if err := validateName("topic", topic, maxTopicLen); err != nil {
		return err
	}
	if h == nil {
		return errors.New("mq/rocketmq: nil handler")
	}
	expr, err := parseTagExpr(tagExpr)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closing:
		return ErrClosed
	case c.started:
		return fmt.Errorf("mq/rocketmq: consumer %s: Subscribe after Start", c.group)
	}
	c.subs[topic] = subscription{expr: expr, handler: h}
	return nil
}

// Start starts consuming. When every topic exists it starts the client consumer at once
// and reports its error. Otherwise it returns and starts it in the background as soon
// as the topics exist (RocketMQ creates a topic at its first send when the broker has
// autoCreateTopicEnable); a new group reads from the first offset, so the messages that
// created the topic are not missed.
func (c *consumer) Start() error {
	c.mu.Lock()
	switch {
	case c.closing:
		c.mu.Unlock()
		return ErrClosed
	case c.started:
		c.mu.Unlock()
		return fmt.Errorf("mq/rocketmq: consumer %s already started", c.group)
	case len(c.subs) == 0:
		c.mu.Unlock()
		return fmt.Errorf("mq/rocketmq: consumer %s has no subscriptions", c.group)
	}
	c.started = true
	topics := slices.Sorted(maps.Keys(c.subs))
	c.mu.Unlock()

	missing, err := c.d.missingTopics(c.ctx, topics)
	if err == nil && len(missing) == 0 {
		err = c.launch()
	}
	if err != nil {
		c.mu.Lock()
		c.started = false // nothing runs: Start may be called again
		c.mu.Unlock()
		return fmt.Errorf("mq/rocketmq: consumer %s: %w", c.group, err)
	}
	if len(missing) == 0 {
		return nil
	}
	c.d.log.Warn("consumer waits for topics that do not exist yet", "group", c.group, "topics", missing)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return ErrClosed
	}
	c.goLoop(func() { c.awaitTopics(topics) })
	return nil
}

// goLoop runs f in a goroutine that Close waits for. Call it with mu held and closing
// unset, so that Close cannot have started waiting already.
func (c *consumer) goLoop(f func()) {
	c.loops.Add(1)
	go func() {
		defer c.loops.Done()
		f()
	}()
}

// awaitTopics polls until every topic exists, then launches the client consumer.
func (c *consumer) awaitTopics(topics []string) {
	lastWarn := time.Now()
	for {
		missing, err := c.d.missingTopics(c.ctx, topics)
		if err == nil && len(missing) == 0 {
			err = c.launch()
			if err == nil || errors.Is(err, ErrClosed) {
				return
			}
			if c.ctx.Err() == nil {
				c.d.log.Error("starting consumer, will try again", "group", c.group, "err", err)
			}
		}
		if time.Since(lastWarn) >= topicWaitWarn {
			lastWarn = time.Now()
			c.d.log.Warn("consumer still waits for topics", "group", c.group, "topics", missing, "err", err)
		}
		if !c.sleep(topicPoll) {
			return
		}
	}
}

// refreshRetryRoute makes the client read the routes again once the group's retry topic
// exists. The broker creates %RETRY%<group> at the group's first heartbeat, after Start
// read the routes; left alone, the client finds it at its next 30 s route refresh and
// the first redelivery of a new group waits that long.
func (c *consumer) refreshRetryRoute(pc rmq.PushConsumer) {
	retryTopic := "%RETRY%" + c.group
	deadline := time.Now().Add(retryTopicWait)
	for time.Now().Before(deadline) {
		if missing, err := c.d.missingTopics(c.ctx, []string{retryTopic}); err == nil && len(missing) == 0 {
			// A second Start only reads routes, sends a heartbeat and rebalances. Close
			// waits for this loop before it shuts the client down.
			if err := pc.Start(); err != nil {
				c.d.log.Warn("refreshing consumer routes", "group", c.group, "err", err)
			}
			return
		}
		if !c.sleep(topicPoll) {
			return
		}
	}
	c.d.log.Warn("retry topic not found; the group's first redelivery may wait for the client's route refresh",
		"group", c.group, "retry_topic", retryTopic)
}

// sleep waits for d or Close; it reports whether to go on.
func (c *consumer) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// launch makes and starts the client consumer and the loop that refreshes its routes. It
// holds mu so that Close either sees the consumer and loop it must stop, or stops launch
// from making them.
func (c *consumer) launch() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return ErrClosed
	}
	pc, err := rmq.NewPushConsumer(
		rmqconsumer.WithGroupName(c.group),
		rmqconsumer.WithInstance(c.d.instanceName(c.group)),
		rmqconsumer.WithNameServer(c.d.cfg.NameServers),
		rmqconsumer.WithConsumerModel(rmqconsumer.Clustering),
		// A group must receive what was sent after it started, even before its first
		// rebalance; from the last offset the first rebalance can skip those messages.
		rmqconsumer.WithConsumeFromWhere(rmqconsumer.ConsumeFromFirstOffset),
		rmqconsumer.WithMaxReconsumeTimes(int32(c.d.cfg.MaxReconsume)),
		rmqconsumer.WithConsumeMessageBatchMaxSize(1),
	)
	if err != nil {
		return err
	}
	for topic, sub := range c.subs {
		selector := rmqconsumer.MessageSelector{Type: rmqconsumer.TAG, Expression: sub.expr}
		if err := pc.Subscribe(topic, selector, c.receiver(sub.handler)); err != nil {
			return fmt.Errorf("subscribe %s: %w", topic, err)
		}
	}
	if err := pc.Start(); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	c.pc = pc
	c.goLoop(func() { c.refreshRetryRoute(pc) })
	return nil
}

// receiver adapts h to the client's callback. Batches hold one message
// (WithConsumeMessageBatchMaxSize(1)), so one result settles one message.
func (c *consumer) receiver(h mq.Handler) func(context.Context, ...*primitive.MessageExt) (rmqconsumer.ConsumeResult, error) {
	return func(_ context.Context, exts ...*primitive.MessageExt) (rmqconsumer.ConsumeResult, error) {
		for _, ext := range exts {
			if !c.handle(h, ext) {
				return rmqconsumer.ConsumeRetryLater, nil
			}
		}
		return rmqconsumer.ConsumeSuccess, nil
	}
}

// handle runs h on one message and reports whether to acknowledge it.
func (c *consumer) handle(h mq.Handler, ext *primitive.MessageExt) bool {
	if !c.begin() {
		<-c.stopped // see stopped
		return false
	}
	msg := toDelivered(ext)
	err := c.invoke(h, msg)
	c.active.Done()

	log, stats := c.d.log, &c.d.stats
	switch {
	case err == nil:
		stats.Acked.Add(1)
		c.noteBacklog(ext)
		return true
	case c.ctx.Err() != nil:
		// Interrupted by Close: not the message's fault, so neither a failure nor a retry.
		log.Info("message handler interrupted by Close, the group gets the message again",
			"topic", msg.Topic, "group", c.group, "id", msg.ID)
		<-c.stopped
		return false
	case msg.ReconsumeTimes >= c.d.cfg.MaxReconsume:
		stats.Failed.Add(1)
		stats.DeadLettered.Add(1)
		log.Error("message dead-lettered", "topic", msg.Topic, "group", c.group, "id", msg.ID,
			"dlq", "%DLQ%"+c.group, "deliveries", msg.ReconsumeTimes+1, "err", err)
		return false
	default:
		stats.Failed.Add(1)
		log.Warn("message handler failed, will redeliver", "topic", msg.Topic, "group", c.group,
			"id", msg.ID, "reconsume_times", msg.ReconsumeTimes, "err", err)
		return false
	}
}

// invoke runs h, turning a panic into an error so that the message is retried rather
// than the process brought down (the client would only log it and move on).
func (c *consumer) invoke(h mq.Handler, msg *mq.Delivered) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.d.log.Error("message handler panicked", "topic", msg.Topic, "group", c.group,
				"id", msg.ID, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("mq/rocketmq: handler panicked: %v", r)
		}
	}()
	return h(c.ctx, msg)
}

// begin registers a handler run unless Close has begun.
func (c *consumer) begin() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return false
	}
	c.active.Add(1)
	return true
}

// Close stops taking messages, cancels the context of handlers in flight and waits for
// them, then shuts the client down, which commits the offsets of what was acknowledged.
// Messages not acknowledged go to the group's other members, or to the next start.
func (c *consumer) Close() error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return nil
	}
	c.closing = true
	c.mu.Unlock()

	c.cancel()
	c.loops.Wait()
	// No launch can happen now: closing is set and the loops are gone. Handlers stop
	// starting through begin, not the client's Suspend, whose flag is unsynchronised.
	c.active.Wait()
	if c.pc != nil {
		c.pc.Shutdown()
	}
	close(c.stopped)
	c.d.forgetConsumer(c)
	return nil
}
