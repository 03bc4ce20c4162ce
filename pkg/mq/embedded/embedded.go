// Package embedded is the in-process message broker with RocketMQ semantics that the dev
// server and unit tests use in place of RocketMQ, durable in one SQLite file.
//
// A committed message is copied into one delivery per consumer group subscribed to its
// topic at that moment; a group's consumers claim due deliveries, and a handler's result
// acknowledges, reschedules (with back-off) or dead-letters its delivery. Half messages
// wait in the same table until their local transaction or a check-back settles them.
// One process owns the file: Open takes over what a previous process left in flight.
//
// Where it differs from RocketMQ it is stricter, so code that runs here also runs there:
// topic and group names, empty and oversized bodies are rejected as RocketMQ rejects
// them. It is also kinder in one place: a half message whose local transaction is still
// running in this process is not checked back.
package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// ErrClosed is returned by operations on a closed broker, producer or consumer.
var ErrClosed = errors.New("mq/embedded: closed")

// Options tune the broker. A zero field takes the default named in its comment.
type Options struct {
	// PollInterval bounds how long a consumer waits before looking for due messages
	// again (default 500ms). Sends in this process wake consumers at once and delays
	// are timed exactly, so the poll is only a safety net.
	PollInterval time.Duration
	// CheckAfter is how long a half message may stay undecided before the broker checks
	// it back, and again after each undecided answer (default 5s).
	CheckAfter time.Duration
	// CheckInterval is how often undecided half messages are looked for (default 1s).
	CheckInterval time.Duration
	// RetryBackoff returns the delay before redelivery number n (1 for the first, the
	// ReconsumeTimes that redelivery carries). The default starts at 1s and doubles,
	// capped at 1m; RocketMQ's retry levels grow likewise, only slower.
	RetryBackoff func(n int) time.Duration
	// MaxReconsume is how many redeliveries a message gets before it is dead-lettered
	// for its group (default 16, as in RocketMQ).
	MaxReconsume int
	// Concurrency is the number of handlers in flight per consumer (default 20, as
	// RocketMQ's push consumer: ConsumeGoroutineNums). With 4, a consumer's handlers
	// waited on the service's database and the broker behind every request of the
	// placing clients, and orders were placed faster than they were settled.
	Concurrency int
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PollInterval, 500*time.Millisecond)
	def(&o.CheckAfter, 5*time.Second)
	def(&o.CheckInterval, time.Second)
	if o.RetryBackoff == nil {
		o.RetryBackoff = doubling(time.Second, time.Minute)
	}
	if o.MaxReconsume <= 0 {
		o.MaxReconsume = 16
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 20
	}
	return o
}

// doubling is a back-off that starts at first and doubles per redelivery up to limit.
func doubling(first, limit time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		d := first
		for i := 1; i < n && d < limit; i++ {
			d *= 2
		}
		return min(d, limit)
	}
}

// Stats counts what the broker did since Open, for tests and metrics.
type Stats = mq.Stats

// Broker is an embedded broker on one SQLite file; it implements mq.Driver. Only one
// Broker may have a file open at a time: Open takes over deliveries left in flight.
type Broker struct {
	db     *sql.DB
	opts   Options
	log    *slog.Logger
	ctx    context.Context // cancelled by Close; handlers and checkers run under it
	cancel context.CancelFunc
	loops  sync.WaitGroup
	stats  mq.Counters

	writes     chan *write   // to the writer, which owns every change to db
	stopWriter chan struct{} // closed by Close once nothing else writes
	writerGone chan struct{} // closed by the writer when it stops
	queued     atomic.Int64  // writes on their way to the writer, not taken yet

	mu        sync.Mutex
	closed    bool
	consumers map[*consumer]struct{}
	producers map[string][]*producer // by producer group, for check-back
	running   map[string]struct{}    // half messages whose local tx runs in this process
}

var _ mq.Driver = (*Broker)(nil)

// Open opens (creating if needed) the broker stored at path. A nil logger means
// slog.Default().
func Open(path string, opts Options, logger *slog.Logger) (*Broker, error) {
	if logger == nil {
		logger = slog.Default()
	}
	db, err := openDB(path)
	if err != nil {
		return nil, fmt.Errorf("mq/embedded: open %s: %w", path, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Broker{
		db:         db,
		opts:       opts.withDefaults(),
		log:        logger.With("component", "mq.embedded"),
		ctx:        ctx,
		cancel:     cancel,
		consumers:  make(map[*consumer]struct{}),
		producers:  make(map[string][]*producer),
		running:    make(map[string]struct{}),
		writes:     make(chan *write),
		stopWriter: make(chan struct{}),
		writerGone: make(chan struct{}),
	}
	go b.writeLoop()
	if err := b.takeOver(ctx); err != nil {
		cancel()
		b.stopWriting()
		db.Close()
		return nil, fmt.Errorf("mq/embedded: take over %s: %w", path, err)
	}
	b.loops.Add(1)
	go b.checkLoop()
	return b, nil
}

// NewProducer returns a producer for group; checker answers check-backs of its half
// messages and is required for SendInTransaction.
func (b *Broker) NewProducer(group string, checker mq.Checker) (mq.Producer, error) {
	if err := validateName("producer group", group, maxGroupLen); err != nil {
		return nil, err
	}
	p := &producer{b: b, group: group, checker: checker}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	b.producers[group] = append(b.producers[group], p)
	return p, nil
}

// NewConsumer returns a consumer for group.
func (b *Broker) NewConsumer(group string) (mq.Consumer, error) {
	if err := validateName("consumer group", group, maxGroupLen); err != nil {
		return nil, err
	}
	if b.isClosed() {
		return nil, ErrClosed
	}
	return newConsumer(b, group), nil
}

// Close stops dispatch and check-back, cancels the context of handlers in flight, waits
// for them to finish and closes the database. Messages they did not acknowledge are
// delivered again after the next Open.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	consumers := make([]*consumer, 0, len(b.consumers))
	for c := range b.consumers {
		consumers = append(consumers, c)
	}
	b.mu.Unlock()

	b.cancel()
	for _, c := range consumers {
		c.Close()
	}
	b.loops.Wait()
	b.stopWriting()
	return b.db.Close()
}

// stopWriting stops the writer once it has answered the write in hand; later writes
// fail with ErrClosed.
func (b *Broker) stopWriting() {
	close(b.stopWriter)
	<-b.writerGone
}

// Stats returns the broker's counters.
func (b *Broker) Stats() Stats {
	return b.stats.Stats()
}

// DeadLetters returns the messages group gave up on, oldest first. ReconsumeTimes is the
// number of failed deliveries.
func (b *Broker) DeadLetters(group string) ([]mq.Delivered, error) {
	if b.isClosed() {
		return nil, ErrClosed
	}
	return b.deadLetters(b.ctx, group)
}

func (b *Broker) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// wake tells the started consumers of topic to look for due messages now.
func (b *Broker) wake(topic string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.consumers {
		if _, ok := c.subs[topic]; ok {
			c.poke()
		}
	}
}

// Ping reports whether the broker's file still answers.
func (b *Broker) Ping(ctx context.Context) error {
	if b.isClosed() {
		return ErrClosed
	}
	return b.db.PingContext(ctx)
}

// Lag counts, per subscribed consumer group, the deliveries that are due and not yet
// acknowledged: the backlog a group has to work through, 0 when it has caught up. A
// delayed message not due yet (a payment timeout) is not lag.
func (b *Broker) Lag(ctx context.Context) (map[string]int64, error) {
	if b.isClosed() {
		return nil, ErrClosed
	}
	rows, err := b.db.QueryContext(ctx, `SELECT g.consumer_group, COUNT(d.id) FROM
		(SELECT DISTINCT consumer_group FROM subscriptions) g
		LEFT JOIN deliveries d ON d.consumer_group = g.consumer_group AND d.state IN (?, ?) AND d.due_at <= ?
		GROUP BY g.consumer_group`,
		deliveryReady, deliveryInFlight, time.Now().UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("mq/embedded: lag: %w", err)
	}
	defer rows.Close()
	lag := map[string]int64{}
	for rows.Next() {
		var group string
		var n int64
		if err := rows.Scan(&group, &n); err != nil {
			return nil, fmt.Errorf("mq/embedded: lag: %w", err)
		}
		lag[group] = n
	}
	return lag, rows.Err()
}
