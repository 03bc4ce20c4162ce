package embedded

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// producer sends for one producer group; while open, its checker answers the check-backs
// of the group's half messages.
type producer struct {
	b       *Broker
	group   string
	checker mq.Checker
	closed  atomic.Bool
}

var _ mq.Producer = (*producer)(nil)

// Send stores msg committed, so it is delivered at once or after its Delay.
func (p *producer) Send(ctx context.Context, msg *mq.Message) (string, error) {
	if err := p.usable(msg); err != nil {
		return "", err
	}
	id := newID()
	if err := p.b.insertMessage(ctx, id, msg, p.group, true); err != nil {
		return "", fmt.Errorf("mq/embedded: send to %s: %w", msg.Topic, err)
	}
	p.b.stats.Committed.Add(1)
	p.b.wake(msg.Topic)
	return id, nil
}

// SendInTransaction stores msg as a half message, runs local and settles the message by
// its result. A failure to settle after local committed is only logged: the message
// stays half and check-back settles it, exactly as after a crash at that point.
func (p *producer) SendInTransaction(ctx context.Context, msg *mq.Message, local mq.LocalTx) (string, error) {
	if err := p.usable(msg); err != nil {
		return "", err
	}
	if p.checker == nil {
		return "", fmt.Errorf("mq/embedded: producer %s has no Checker for transactional messages", p.group)
	}
	// Marked before it is stored, so a slow insert cannot let check-back ask about a
	// transaction that has not even started.
	id := newID()
	p.b.setRunning(id, true)
	defer p.b.setRunning(id, false)
	if err := p.b.insertMessage(ctx, id, msg, p.group, false); err != nil {
		return "", fmt.Errorf("mq/embedded: send half message to %s: %w", msg.Topic, err)
	}

	localErr := local(ctx)
	if errors.Is(localErr, mq.ErrTxUnknown) {
		return id, localErr
	}
	commit := localErr == nil
	if _, err := p.b.settle(context.WithoutCancel(ctx), id, commit); err != nil {
		p.b.log.Error("settling half message, leaving it to check-back", "topic", msg.Topic,
			"producer_group", p.group, "id", id, "commit", commit, "err", err)
	}
	return id, localErr
}

// Close stops the producer; its group's half messages are checked back by another open
// producer of the group, or once one is created again.
func (p *producer) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	list := slices.DeleteFunc(p.b.producers[p.group], func(q *producer) bool { return q == p })
	if len(list) == 0 {
		delete(p.b.producers, p.group)
	} else {
		p.b.producers[p.group] = list
	}
	return nil
}

func (p *producer) usable(msg *mq.Message) error {
	if p.closed.Load() || p.b.isClosed() {
		return ErrClosed
	}
	return validateMessage(msg)
}

// setRunning marks half message id as having its local transaction in progress here,
// so check-back leaves it to SendInTransaction instead of racing it.
func (b *Broker) setRunning(id string, running bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if running {
		b.running[id] = struct{}{}
	} else {
		delete(b.running, id)
	}
}
