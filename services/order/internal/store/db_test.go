package store

import (
	"context"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
)

// fixture is one test's fresh database, its store and the producer the store sends on.
type fixture struct {
	db       *gorm.DB
	store    *Store
	producer *recordingProducer
}

// eachEngine runs test once per database engine (pkg/db/dbtest), each time on a fresh
// migrated database.
func eachEngine(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Helper()
	dbtest.Each(t, Migrations, func(t *testing.T, gdb *gorm.DB) {
		p := &recordingProducer{}
		test(t, &fixture{db: gdb, store: New(gdb, txmsg.NewSender(gdb, p)), producer: p})
	})
}

// recordingProducer plays the broker's side of a transactional send: the message
// becomes visible if and only if the local transaction returned nil.
type recordingProducer struct {
	mu         sync.Mutex
	committed  []mq.Message
	rolledBack []mq.Message
}

func (p *recordingProducer) Send(_ context.Context, msg *mq.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.committed = append(p.committed, *msg)
	return "id", nil
}

func (p *recordingProducer) SendInTransaction(ctx context.Context, msg *mq.Message, local mq.LocalTx) (string, error) {
	err := local(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.committed = append(p.committed, *msg)
	} else {
		p.rolledBack = append(p.rolledBack, *msg)
	}
	return "id", err
}

func (p *recordingProducer) Close() error { return nil }

// tags lists the tags of the committed messages, in order.
func (p *recordingProducer) tags() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	tags := make([]string, len(p.committed))
	for i, m := range p.committed {
		tags[i] = m.Tags
	}
	return strings.Join(tags, ",")
}

func (p *recordingProducer) rollbacks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.rolledBack)
}
