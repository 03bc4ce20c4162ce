package embedded

import (
	"context"
	"database/sql"
)

// maxBatch bounds the writes committed together, so one commit never keeps the writes
// behind it waiting long.
const maxBatch = 64

// A change is one write to the broker's file: it runs inside a transaction it shares
// with the other writes of its batch, and must not keep results of a run that fails (it
// may run again, alone).
type change func(ctx context.Context, tx *sql.Tx) error

// write is a change waiting for the writer and the channel that answers it.
type write struct {
	ctx    context.Context
	change change
	done   chan error
}

// write runs ch in a transaction of the writer and returns once that transaction has
// committed (or ch failed). Every change to the broker's file goes through here.
//
// Writes used to take the one connection in turn, each with its own transaction. Under
// load the connection then spent much of its time handed from one waiting goroutine to
// the next, and a consumer's few writes queued behind the writes of every sender: orders
// were placed several times faster than they were settled. One writer goroutine that
// takes every write waiting and commits them together (group commit) serves the
// waiting writes in arrival order and pays for one transaction per batch.
func (b *Broker) write(ctx context.Context, ch change) error {
	w := &write{ctx: ctx, change: ch, done: make(chan error, 1)}
	b.queued.Add(1)
	select {
	case b.writes <- w:
	case <-ctx.Done():
		b.queued.Add(-1)
		return ctx.Err()
	case <-b.writerGone:
		b.queued.Add(-1)
		return ErrClosed
	}
	return <-w.done
}

// writeLoop is the writer: it takes the writes waiting, runs them in one transaction and
// answers them once it has committed, until stopWriter is closed.
func (b *Broker) writeLoop() {
	defer close(b.writerGone)
	batch := make([]*write, 0, maxBatch)
	for {
		select {
		case w := <-b.writes:
			b.queued.Add(-1)
			batch = append(batch[:0], w)
		case <-b.stopWriter:
			return
		}
	gather:
		for len(batch) < maxBatch {
			select {
			case w := <-b.writes:
				b.queued.Add(-1)
				batch = append(batch, w)
			default:
				break gather
			}
		}
		b.commit(batch)
		clear(batch) // let the answered writes go
	}
}

// commit runs batch in one transaction. If a change fails, the transaction is rolled
// back and every change of the batch runs again in a transaction of its own, so one
// failing write fails alone, exactly as if it had never shared a transaction.
func (b *Broker) commit(batch []*write) {
	live := batch[:0:0]
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.done <- err // its caller gave up before its turn: nothing ran
			continue
		}
		live = append(live, w)
	}
	if len(live) == 0 {
		return
	}
	if len(live) > 1 && b.runTx(live...) == nil {
		for _, w := range live {
			w.done <- nil
		}
		return
	}
	for _, w := range live {
		w.done <- b.runTx(w)
	}
}

// runTx runs the changes of ws in one transaction and commits it. A change runs to its
// end once started: its statements do not see its caller's cancellation, which would
// interrupt the shared connection.
func (b *Broker) runTx(ws ...*write) error {
	tx, err := b.db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if err := w.change(context.WithoutCancel(w.ctx), tx); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}
