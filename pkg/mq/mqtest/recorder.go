package mqtest

import (
	"context"
	"strings"
	"sync"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
)

// Recorder is a Producer for store tests: it plays the broker's side of a transactional
// send, so a message becomes visible if and only if its local transaction returned nil,
// and keeps what was committed and what was rolled back.
type Recorder struct {
	mu         sync.Mutex
	committed  []mq.Message
	rolledBack []mq.Message
}

var _ mq.Producer = (*Recorder)(nil)

// Send records msg as committed.
func (r *Recorder) Send(_ context.Context, msg *mq.Message) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.committed = append(r.committed, *msg)
	return "id", nil
}

// SendInTransaction runs local, then records msg as committed or rolled back.
func (r *Recorder) SendInTransaction(ctx context.Context, msg *mq.Message, local mq.LocalTx) (string, error) {
	err := local(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		r.committed = append(r.committed, *msg)
	} else {
		r.rolledBack = append(r.rolledBack, *msg)
	}
	return "id", err
}

// Close does nothing.
func (r *Recorder) Close() error { return nil }

// Committed returns the committed messages, in order.
func (r *Recorder) Committed() []mq.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]mq.Message(nil), r.committed...)
}

// Tags lists the tags of the committed messages, in order, joined by commas.
func (r *Recorder) Tags() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	tags := make([]string, len(r.committed))
	for i, m := range r.committed {
		tags[i] = m.Tags
	}
	return strings.Join(tags, ",")
}

// Rollbacks counts the messages rolled back with their local transaction.
func (r *Recorder) Rollbacks() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.rolledBack)
}
