package rocketmq

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	rmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	rmqproducer "github.com/apache/rocketmq-client-go/v2/producer"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

const (
	// plainSuffix names the group of a transactional producer's plain sender: the broker
	// sends check-backs to any producer of a group, and the client's plain producer
	// leaves them unanswered (its callback channel has no reader).
	plainSuffix = "_plain"
	// checkBackTimeout bounds one Checker call. The client answers check-backs one at a
	// time, so a stuck database must not stall them; an unanswered check is repeated by
	// the broker.
	checkBackTimeout = 5 * time.Second
)

// producer sends for one producer group. With a checker it owns a transaction producer
// in the group itself, whose listener is this producer, and a plain producer in
// "<group>_plain" for Send.
type producer struct {
	d       *Driver
	group   string
	checker mq.Checker
	plain   rmq.Producer
	tx      rmq.TransactionProducer // nil without a checker

	// pending maps the UNIQ_KEY of each half message being sent to its local
	// transaction: the client calls ExecuteLocalTransaction with the message alone.
	pending sync.Map // string -> *localRun

	mu       sync.Mutex
	closed   bool
	inFlight sync.WaitGroup // sends, so Close does not shut the client under them
}

var (
	_ mq.Producer                   = (*producer)(nil)
	_ primitive.TransactionListener = (*producer)(nil)
)

// localRun is one SendInTransaction's local transaction and what it returned.
type localRun struct {
	ctx   context.Context
	local mq.LocalTx
	ran   bool
	err   error
}

func newProducer(d *Driver, group string, checker mq.Checker) (*producer, error) {
	p := &producer{d: d, group: group, checker: checker}
	plainGroup := group
	if checker != nil {
		plainGroup = group + plainSuffix
	}
	var err error
	p.plain, err = rmq.NewProducer(p.options(plainGroup)...)
	if err != nil {
		return nil, fmt.Errorf("mq/rocketmq: producer %s: %w", plainGroup, err)
	}
	if err := p.plain.Start(); err != nil {
		return nil, fmt.Errorf("mq/rocketmq: start producer %s: %w", plainGroup, err)
	}
	if checker == nil {
		return p, nil
	}
	p.tx, err = rmq.NewTransactionProducer(p, p.options(group)...)
	if err == nil {
		err = p.tx.Start()
	}
	if err != nil {
		p.plain.Shutdown()
		return nil, fmt.Errorf("mq/rocketmq: start transaction producer %s: %w", group, err)
	}
	return p, nil
}

func (p *producer) options(group string) []rmqproducer.Option {
	return []rmqproducer.Option{
		rmqproducer.WithGroupName(group),
		rmqproducer.WithInstanceName(p.d.instanceName(group)),
		rmqproducer.WithNameServer(p.d.cfg.NameServers),
		rmqproducer.WithSendMsgTimeout(p.d.cfg.SendTimeout),
	}
}

// Send sends msg, delayed by the smallest delay level at or above msg.Delay, and returns
// its UNIQ_KEY, the id consumers see.
func (p *producer) Send(ctx context.Context, msg *mq.Message) (string, error) {
	out, err := toRocketMQ(msg, p.d.cfg.DelayLevels)
	if err != nil {
		return "", err
	}
	if !p.begin() {
		return "", ErrClosed
	}
	defer p.inFlight.Done()

	ctx, cancel := context.WithTimeout(ctx, p.d.cfg.SendTimeout)
	defer cancel()
	res, err := p.plain.SendSync(ctx, out)
	if err != nil {
		return "", fmt.Errorf("mq/rocketmq: send to %s: %w: %w", msg.Topic, errs.ErrDependency, err)
	}
	if res.Status != primitive.SendOK {
		// Stored, but not flushed or replicated in time: visible all the same.
		p.d.log.Warn("message stored without its durability guarantee", "topic", msg.Topic,
			"producer_group", p.group, "id", res.MsgID, "status", res.Status)
	}
	p.d.stats.Committed.Add(1)
	return res.MsgID, nil
}

// SendInTransaction sends msg as a half message, runs local and commits or rolls back
// the message by local's result (nil commits, mq.ErrTxUnknown leaves it to check-back,
// any other error rolls back), and returns local's error. A commit or rollback that does
// not reach the broker leaves the message to check-back, as after a crash.
func (p *producer) SendInTransaction(ctx context.Context, msg *mq.Message, local mq.LocalTx) (string, error) {
	switch {
	case p.tx == nil:
		return "", fmt.Errorf("mq/rocketmq: producer %s has no Checker for transactional messages", p.group)
	case local == nil:
		return "", errors.New("mq/rocketmq: nil local transaction")
	case msg != nil && msg.Delay > 0:
		// RocketMQ drops the delay of a transactional message; refuse rather than
		// deliver early.
		return "", fmt.Errorf("mq/rocketmq: transactional message to %s cannot be delayed", msg.Topic)
	}
	out, err := toRocketMQ(msg, p.d.cfg.DelayLevels)
	if err != nil {
		return "", err
	}
	if !p.begin() {
		return "", ErrClosed
	}
	defer p.inFlight.Done()

	// Setting the UNIQ_KEY ourselves (the client keeps one it finds) names the send
	// before the client sees it, so ExecuteLocalTransaction can find its local run.
	id := primitive.CreateUniqID()
	out.WithProperty(primitive.PropertyUniqueClientMessageIdKeyIndex, id)
	run := &localRun{ctx: ctx, local: local}
	p.pending.Store(id, run)
	defer p.pending.Delete(id)

	sendCtx, cancel := context.WithTimeout(ctx, p.d.cfg.SendTimeout)
	defer cancel()
	res, err := p.tx.SendMessageInTransaction(sendCtx, out)
	if err != nil {
		return "", fmt.Errorf("mq/rocketmq: send half message to %s: %w: %w", msg.Topic, errs.ErrDependency, err)
	}
	if !run.ran {
		// The client runs the local transaction only for SEND_OK; any other status makes
		// it roll the half message back.
		return "", fmt.Errorf("mq/rocketmq: half message to %s not stored durably (status %d), rolled back",
			msg.Topic, res.Status)
	}
	switch {
	case run.err == nil:
		p.d.stats.Committed.Add(1)
	case !errors.Is(run.err, mq.ErrTxUnknown):
		p.d.stats.RolledBack.Add(1)
	}
	return id, run.err
}

// ExecuteLocalTransaction is called by the client, in SendInTransaction's goroutine,
// once the half message is stored.
func (p *producer) ExecuteLocalTransaction(msg *primitive.Message) primitive.LocalTransactionState {
	id := msg.GetProperty(primitive.PropertyUniqueClientMessageIdKeyIndex)
	v, ok := p.pending.Load(id)
	if !ok {
		p.d.log.Error("half message without its local transaction, leaving it to check-back",
			"topic", msg.Topic, "producer_group", p.group, "id", id)
		return primitive.UnknowState
	}
	run := v.(*localRun)
	run.err = run.local(run.ctx)
	run.ran = true
	return localState(run.err)
}

func localState(err error) primitive.LocalTransactionState {
	switch {
	case err == nil:
		return primitive.CommitMessageState
	case errors.Is(err, mq.ErrTxUnknown):
		return primitive.UnknowState
	default:
		return primitive.RollbackMessageState
	}
}

// CheckLocalTransaction answers the broker's check-back through the Checker, which
// answers from the producer's database. A local transaction still running in this
// process is not asked about: its SendInTransaction settles it.
func (p *producer) CheckLocalTransaction(ext *primitive.MessageExt) primitive.LocalTransactionState {
	msg := toDelivered(ext)
	if _, running := p.pending.Load(msg.ID); running || p.isClosed() {
		return primitive.UnknowState
	}
	p.d.stats.CheckBacks.Add(1)
	state := p.check(msg)
	switch state {
	case mq.TxCommit:
		p.d.stats.Committed.Add(1)
		return primitive.CommitMessageState
	case mq.TxRollback:
		p.d.stats.RolledBack.Add(1)
		return primitive.RollbackMessageState
	default:
		return primitive.UnknowState
	}
}

// check runs the Checker, turning a panic into UNKNOWN: the client answers check-backs
// in one goroutine that a panic would end for good.
func (p *producer) check(msg *mq.Delivered) (state mq.TxState) {
	defer func() {
		if r := recover(); r != nil {
			p.d.log.Error("transaction checker panicked", "topic", msg.Topic, "producer_group", p.group,
				"id", msg.ID, "panic", r, "stack", string(debug.Stack()))
			state = mq.TxUnknown
		}
	}()
	ctx, cancel := context.WithTimeout(p.d.ctx, checkBackTimeout)
	defer cancel()
	return p.checker(ctx, msg)
}

// begin registers a send unless the producer is closed.
func (p *producer) begin() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.inFlight.Add(1)
	return true
}

func (p *producer) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Close refuses new sends, waits for those in flight and shuts the clients down. The
// group's undecided half messages are checked back by another producer of the group;
// the broker gives up on them after transactionCheckMax checks with none online.
func (p *producer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()

	p.inFlight.Wait()
	p.shutdown()
	p.d.forgetProducer(p)
	return nil
}

func (p *producer) shutdown() {
	if p.tx != nil {
		p.tx.Shutdown()
	}
	p.plain.Shutdown()
}
