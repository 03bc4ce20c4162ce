// Package rocketmq is the messaging port's driver for Apache RocketMQ 5.x through
// rocketmq-client-go v2.1.2, with that client's pitfalls worked around where they meet
// the port's contract (pkg/mq/mqtest).
//
// What it does about the client, in one place:
//   - Every producer and consumer gets its own client instance (pid, group and a random
//     suffix in the instance name): the client shares one instance per name, routes
//     check-backs to the first producer that made it, and tears it down on the first
//     Shutdown.
//   - A producer with a Checker sends plain messages through a second producer in group
//     "<group>_plain": the broker sends check-backs to any producer of a group, and a
//     plain producer of the client never answers them.
//   - Consumers start from the first offset, wait for topics that do not exist yet (the
//     client refuses to start on them), and refresh their routes once the group's retry
//     topic exists, which the client would only notice after about 30 s.
//   - Close drains: consumers stop taking messages, cancel and wait for their handlers,
//     then shut down; producers wait for sends in flight.
//
// The client's logger (rlog) is a process-global of the library: the first Open routes it
// to that Open's slog logger, at warn, with message bodies left out (see clientLog).
package rocketmq

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// ErrClosed is returned by operations on a closed driver, producer or consumer.
var ErrClosed = errors.New("mq/rocketmq: closed")

// Stats counts what the driver's producers and consumers did since Open, for tests and
// metrics.
type Stats = mq.Stats

// Driver makes producers and consumers on one RocketMQ cluster; it implements mq.Driver.
type Driver struct {
	cfg    Config
	log    *slog.Logger
	admin  admin.Admin // name server queries: which topics exist
	ctx    context.Context
	cancel context.CancelFunc
	stats  mq.Counters

	mu        sync.Mutex
	closed    bool
	producers map[*producer]struct{}
	consumers map[*consumer]struct{}

	lastReached atomic.Int64 // unix nanoseconds of Ping's last reached name server
}

var _ mq.Driver = (*Driver)(nil)

// Open validates cfg, checks that the name servers answer and returns a driver. A nil
// logger means slog.Default().
func Open(cfg Config, logger *slog.Logger) (*Driver, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mq/rocketmq: config: %w", err)
	}
	if logger == nil {
		logger = slog.Default()
	}
	// Process-global: the client logs every rebalance and heartbeat at info, and whole
	// messages on errors.
	installClientLog(logger)

	adm, err := admin.NewAdmin(admin.WithResolver(primitive.NewPassthroughResolver(cfg.NameServers)))
	if err != nil {
		return nil, fmt.Errorf("mq/rocketmq: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Driver{
		cfg:       cfg,
		log:       logger.With("component", "mq.rocketmq"),
		admin:     adm,
		ctx:       ctx,
		cancel:    cancel,
		producers: make(map[*producer]struct{}),
		consumers: make(map[*consumer]struct{}),
	}
	// Fail at start-up, with the address, rather than at the first send.
	pingCtx, cancelPing := context.WithTimeout(ctx, cfg.SendTimeout)
	defer cancelPing()
	if _, err := adm.FetchAllTopicList(pingCtx); err != nil {
		cancel()
		adm.Close()
		return nil, fmt.Errorf("mq/rocketmq: name server %v: %w", cfg.NameServers, err)
	}
	return d, nil
}

// NewProducer returns a producer for group. checker answers check-backs of its half
// messages and is required for SendInTransaction.
func (d *Driver) NewProducer(group string, checker mq.Checker) (mq.Producer, error) {
	if err := validateName("producer group", group, maxGroupLen-len(plainSuffix)); err != nil {
		return nil, err
	}
	if d.isClosed() {
		return nil, ErrClosed
	}
	p, err := newProducer(d, group, checker)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		p.shutdown()
		return nil, ErrClosed
	}
	d.producers[p] = struct{}{}
	return p, nil
}

// NewConsumer returns a consumer for group.
func (d *Driver) NewConsumer(group string) (mq.Consumer, error) {
	if err := validateName("consumer group", group, maxGroupLen); err != nil {
		return nil, err
	}
	c := newConsumer(d, group)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, ErrClosed
	}
	d.consumers[c] = struct{}{}
	return c, nil
}

// Close closes every consumer (draining their handlers) and then every producer made by
// d. Messages whose handlers did not finish are delivered again to the group.
func (d *Driver) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	consumers := make([]*consumer, 0, len(d.consumers))
	for c := range d.consumers {
		consumers = append(consumers, c)
	}
	producers := make([]*producer, 0, len(d.producers))
	for p := range d.producers {
		producers = append(producers, p)
	}
	d.mu.Unlock()

	var wg sync.WaitGroup
	for _, c := range consumers {
		wg.Go(func() { c.Close() })
	}
	wg.Wait()
	for _, p := range producers {
		wg.Go(func() { p.Close() })
	}
	wg.Wait()
	d.cancel()
	return d.admin.Close()
}

// Lag is each consumer group's backlog, estimated from the broker's MAX_OFFSET on the
// messages this process's members acknowledged last (0 for a group not yet delivered
// to); other processes' members of a group report their own queues.
func (d *Driver) Lag(context.Context) (map[string]int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	lag := map[string]int64{}
	for c := range d.consumers {
		lag[c.group] += c.lag()
	}
	return lag, nil
}

// Stats returns the driver's counters.
func (d *Driver) Stats() Stats {
	return d.stats.Stats()
}

func (d *Driver) isClosed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}

func (d *Driver) forgetProducer(p *producer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.producers, p)
}

func (d *Driver) forgetConsumer(c *consumer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.consumers, c)
}

// instanceName names one client instance. The client keeps one instance per name in a
// process-wide map and shares it: check-backs then reach whichever producer made it
// first, and the first Shutdown closes it under the others. A name per producer or
// consumer avoids both.
func (d *Driver) instanceName(group string) string {
	var raw [4]byte
	if _, err := rand.Read(raw[:]); err != nil {
		// crypto/rand does not fail on Linux; the time still tells instances apart.
		return fmt.Sprintf("%s-%d-%s-%d", d.cfg.InstancePrefix, os.Getpid(), group, time.Now().UnixNano())
	}
	return fmt.Sprintf("%s-%d-%s-%s", d.cfg.InstancePrefix, os.Getpid(), group, hex.EncodeToString(raw[:]))
}

// missingTopics returns those of topics the name servers do not know. One list request
// answers for every topic, and it logs nothing when a topic is missing, unlike a route
// query.
func (d *Driver) missingTopics(ctx context.Context, topics []string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	defer cancel()
	list, err := d.admin.FetchAllTopicList(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	return slices.DeleteFunc(slices.Clone(topics), func(t string) bool {
		return slices.Contains(list.TopicList, t)
	}), nil
}

// routeGrace is how long the clients keep using the broker routes they have once no
// name server answers: they refresh routes every 30 s and keep the old ones when the
// refresh fails, so sending and consuming go on.
const routeGrace = 30 * time.Second

// Ping reports whether this process can reach its brokers: a name server accepts a
// connection, or one did within routeGrace (the clients' routes are still good; the
// chaos runs saw a name-server outage take every service out of readiness while they
// went on serving without a failure).
func (d *Driver) Ping(ctx context.Context) error {
	var dialer net.Dialer
	var errs []error
	for _, addr := range d.cfg.NameServers {
		conn, err := dialer.DialContext(ctx, "tcp", addr)
		if err == nil {
			d.lastReached.Store(time.Now().UnixNano())
			return conn.Close()
		}
		errs = append(errs, err)
	}
	if last := d.lastReached.Load(); last != 0 && time.Since(time.Unix(0, last)) < routeGrace {
		return nil
	}
	return fmt.Errorf("mq/rocketmq: no name server reachable: %w", errors.Join(errs...))
}
