package embedded

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

const (
	// checkBatch bounds the half messages looked at per check round.
	checkBatch = 64
	// checkTimeout bounds one Checker call, so a stuck checker cannot stall the others.
	checkTimeout = 10 * time.Second
	// undecidedWarnAfter is the check-back from which an undecided answer is a warning.
	undecidedWarnAfter = 3
	// sweepEvery is how often fully consumed messages are deleted.
	sweepEvery = time.Minute
)

// checkLoop checks back undecided half messages and sweeps consumed ones until Close.
func (b *Broker) checkLoop() {
	defer b.loops.Done()
	check := time.NewTicker(b.opts.CheckInterval)
	defer check.Stop()
	sweep := time.NewTicker(sweepEvery)
	defer sweep.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-check.C:
			b.checkBack()
		case <-sweep.C:
			if err := b.sweep(b.ctx); err != nil && b.ctx.Err() == nil {
				b.log.Error("sweeping consumed messages", "err", err)
			}
		}
	}
}

// checkBack asks the producers of undecided half messages how their local transactions
// ended, as RocketMQ does after its transaction timeout.
func (b *Broker) checkBack() {
	due, err := b.dueHalfMessages(b.ctx, checkBatch)
	if err != nil {
		if b.ctx.Err() == nil {
			b.log.Error("looking for half messages to check back", "err", err)
		}
		return
	}
	for _, h := range due {
		if b.ctx.Err() != nil {
			return
		}
		b.checkOne(h)
	}
}

func (b *Broker) checkOne(h halfMessage) {
	checker, running := b.checkerFor(h.group, h.ID)
	if running || checker == nil {
		// Its SendInTransaction will settle it, or no producer of the group is open
		// to answer now: try again later without counting a check.
		b.postpone(h, b.opts.CheckInterval, false)
		return
	}
	b.stats.CheckBacks.Add(1)
	switch state := b.ask(checker, h); state {
	case mq.TxCommit, mq.TxRollback:
		if _, err := b.settle(b.ctx, h.ID, state == mq.TxCommit); err != nil && b.ctx.Err() == nil {
			b.log.Error("settling checked-back half message", "topic", h.Topic,
				"producer_group", h.group, "id", h.ID, "state", state, "err", err)
		}
	default:
		// A young transaction is often still undecided; one that stays so needs a look.
		level := slog.LevelInfo
		if h.checkTimes+1 >= undecidedWarnAfter {
			level = slog.LevelWarn
		}
		b.log.Log(b.ctx, level, "half message still undecided after check-back", "topic", h.Topic,
			"producer_group", h.group, "id", h.ID, "checks", h.checkTimes+1)
		b.postpone(h, b.opts.CheckAfter, true)
	}
}

// checkerFor returns a checker of group and whether the local transaction of half
// message id is still running in this process.
func (b *Broker) checkerFor(group, id string) (mq.Checker, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.running[id]; ok {
		return nil, true
	}
	for _, p := range b.producers[group] {
		if p.checker != nil {
			return p.checker, false
		}
	}
	return nil, false
}

// ask calls checker, treating a panic as an unknown outcome so the message is asked
// about again rather than decided wrongly.
func (b *Broker) ask(checker mq.Checker, h halfMessage) (state mq.TxState) {
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("transaction checker panicked", "topic", h.Topic, "producer_group", h.group,
				"id", h.ID, "panic", r, "stack", string(debug.Stack()))
			state = mq.TxUnknown
		}
	}()
	ctx, cancel := context.WithTimeout(b.ctx, checkTimeout)
	defer cancel()
	msg := h.Delivered
	return checker(ctx, &msg)
}

func (b *Broker) postpone(h halfMessage, after time.Duration, counted bool) {
	err := b.postponeCheck(b.ctx, h.ID, time.Now().Add(after), counted)
	if err != nil && b.ctx.Err() == nil {
		b.log.Error("postponing check-back", "id", h.ID, "err", err)
	}
}
