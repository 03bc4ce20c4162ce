package events_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/events"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/store"
)

// fakeSender runs each local transaction in a real database transaction, as
// txmsg.Sender does, and keeps the messages whose transaction committed.
type fakeSender struct {
	db     *gorm.DB
	before func(attempt int) // runs before each attempt's transaction

	mu        sync.Mutex
	attempts  int
	committed []*mq.Message
}

func (f *fakeSender) Send(ctx context.Context, msg *mq.Message, fn func(tx *gorm.DB) error) error {
	f.mu.Lock()
	f.attempts++
	attempt := f.attempts
	f.mu.Unlock()
	if f.before != nil {
		f.before(attempt)
	}
	if err := f.db.WithContext(ctx).Transaction(fn); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.committed = append(f.committed, msg)
	return nil
}

type fixture struct {
	ctx    context.Context
	db     *gorm.DB
	stock  *stock.Service
	sender *fakeSender
	orders *events.Orders
}

// newFixture has one product with SKU TEA-1 holding available units.
func newFixture(t *testing.T, available int64) *fixture {
	t.Helper()
	ctx := context.Background()
	gdb, err := db.Open(db.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "p.db"), MaxOpenConns: 1, ConnMaxLifetime: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	if err := db.Migrate(ctx, gdb, store.Migrations); err != nil {
		t.Fatal(err)
	}
	sender := &fakeSender{db: gdb}
	st := store.New(gdb, sender, time.Now)
	cat := catalog.NewService(st, "USD", time.Now)
	tea, err := cat.CreateCategory(ctx, "Tea")
	if err != nil {
		t.Fatal(err)
	}
	_, err = cat.CreateProduct(ctx, catalog.Draft{Name: "Sencha", CategoryID: tea.ID, SKUs: []catalog.SKUDraft{
		{Code: "TEA-1", Price: money.Money{Cents: 100, Currency: "USD"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ctx: ctx, db: gdb, stock: stock.NewService(st), sender: sender}
	if _, err := f.stock.Adjust(ctx, stock.AdjustRequest{SKU: "TEA-1", Delta: available, Reason: "delivery", ActorID: "staff"}); err != nil {
		t.Fatal(err)
	}
	f.orders = events.NewOrders(f.stock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return f
}

func delivery(tag string, body any) *mq.Delivered {
	raw, ok := body.([]byte)
	if !ok {
		raw, _ = json.Marshal(body)
	}
	return &mq.Delivered{Message: mq.Message{Topic: eventsapi.TOPIC_ORDER, Tags: tag, Body: raw}, ID: "m-1"}
}

func created(orderID string, qty int64) *mq.Delivered {
	return delivery(eventsapi.TAG_CREATED, &eventsapi.OrderCreated{OrderId: orderID, UserId: "u-1",
		Lines: []*eventsapi.EventLine{{Sku: "TEA-1", Quantity: qty}}})
}

func TestCreatedReannouncesAnOutcomeThatChanged(t *testing.T) {
	f := newFixture(t, 2)
	// Between the prediction (2 available: reserved) and the transaction, another
	// order takes one unit.
	f.sender.before = func(attempt int) {
		if attempt == 1 {
			if _, err := f.stock.Adjust(f.ctx, stock.AdjustRequest{SKU: "TEA-1", Delta: -1, Reason: "taken meanwhile", ActorID: "test"}); err != nil {
				t.Error(err)
			}
		}
	}
	if err := f.orders.Handle(f.ctx, created("o-1", 2)); err != nil {
		t.Fatal(err)
	}
	if f.sender.attempts != 2 || len(f.sender.committed) != 1 {
		t.Fatalf("%d attempts, %d committed; want the first rolled back and the second committed", f.sender.attempts, len(f.sender.committed))
	}
	msg := f.sender.committed[0]
	var body eventsapi.StockRejected
	if err := json.Unmarshal(msg.Body, &body); err != nil {
		t.Fatal(err)
	}
	if msg.Topic != eventsapi.TOPIC_STOCK || msg.Tags != eventsapi.TAG_REJECTED ||
		body != (eventsapi.StockRejected{OrderId: "o-1", Sku: "TEA-1", Reason: stock.ReasonInsufficient}) {
		t.Errorf("committed %s/%s %+v, want stock.rejected for TEA-1", msg.Topic, msg.Tags, body)
	}
	if l, _ := f.stock.Level(f.ctx, "TEA-1"); l.Available != 1 || l.Reserved != 0 {
		t.Errorf("level = %+v, want the rejected order to hold nothing", l)
	}
}

// maxAnnounceAttempts is the store's bound on re-announcing one decision.
const maxAnnounceAttempts = 5

func TestCreatedGivesUpOnAnOutcomeThatKeepsChanging(t *testing.T) {
	f := newFixture(t, 1)
	// Every attempt finds the stock flipped since its announcement.
	f.sender.before = func(attempt int) {
		delta := int64(-1)
		if attempt%2 == 0 {
			delta = 1
		}
		if _, err := f.stock.Adjust(f.ctx, stock.AdjustRequest{SKU: "TEA-1", Delta: delta, Reason: "flip", ActorID: "test"}); err != nil {
			t.Error(err)
		}
	}
	if err := f.orders.Handle(f.ctx, created("o-1", 1)); err == nil {
		t.Fatal("Handle succeeded, want an error asking for redelivery")
	}
	if f.sender.attempts != maxAnnounceAttempts || len(f.sender.committed) != 0 {
		t.Errorf("%d attempts, %d committed; want %d attempts and nothing sent", f.sender.attempts, len(f.sender.committed), maxAnnounceAttempts)
	}
	if _, decided, _ := f.stock.Decision(f.ctx, "o-1"); decided {
		t.Error("a decision was recorded without its message")
	}
}

func TestCreatedRedeliveredSendsNothingMore(t *testing.T) {
	f := newFixture(t, 5)
	for range 2 {
		if err := f.orders.Handle(f.ctx, created("o-1", 2)); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.sender.committed) != 1 || f.sender.committed[0].Tags != eventsapi.TAG_RESERVED {
		t.Errorf("committed %d messages, want one stock.reserved", len(f.sender.committed))
	}
	if l, _ := f.stock.Level(f.ctx, "TEA-1"); l.Available != 3 || l.Reserved != 2 {
		t.Errorf("level = %+v, want reserved once", l)
	}
}

func TestUnusableMessagesAreAcknowledged(t *testing.T) {
	cases := []struct {
		name string
		msg  *mq.Delivered
	}{
		{"created: not JSON", delivery(eventsapi.TAG_CREATED, []byte("{oops"))},
		{"created: no order id", delivery(eventsapi.TAG_CREATED, &eventsapi.OrderCreated{Lines: []*eventsapi.EventLine{{Sku: "TEA-1", Quantity: 1}}})},
		{"paid: not JSON", delivery(eventsapi.TAG_PAID, []byte("nope"))},
		{"paid: no order id", delivery(eventsapi.TAG_PAID, &eventsapi.OrderPaid{PaymentId: "p-1"})},
		{"paid: order id too long to store", delivery(eventsapi.TAG_PAID, &eventsapi.OrderPaid{OrderId: strings.Repeat("o", 65)})},
		{"cancelled: wrong shape", delivery(eventsapi.TAG_CANCELLED, []byte(`{"order_id": 42}`))},
		{"cancelled: no order id", delivery(eventsapi.TAG_CANCELLED, &eventsapi.OrderCancelled{Reason: "USER_CANCELLED"})},
		{"a tag nobody handles", delivery(eventsapi.TAG_TIMEOUT, &eventsapi.OrderTimeout{OrderId: "o-1"})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, 5)
			if err := f.orders.Handle(f.ctx, c.msg); err != nil {
				t.Errorf("Handle = %v, want the message acknowledged", err)
			}
			var decisions int64
			f.db.Raw("SELECT COUNT(*) FROM stock_decisions").Scan(&decisions)
			if f.sender.attempts != 0 || decisions != 0 {
				t.Errorf("%d sends, %d decisions; want nothing done", f.sender.attempts, decisions)
			}
		})
	}
}

func TestMalformedOrderIsRejectedNotDropped(t *testing.T) {
	f := newFixture(t, 5)
	if err := f.orders.Handle(f.ctx, created("o-1", 0)); err != nil {
		t.Fatal(err)
	}
	if len(f.sender.committed) != 1 || f.sender.committed[0].Tags != eventsapi.TAG_REJECTED {
		t.Fatalf("committed %v, want one stock.rejected so the order leaves PENDING", f.sender.committed)
	}
	var body eventsapi.StockRejected
	json.Unmarshal(f.sender.committed[0].Body, &body)
	if body.Reason != stock.ReasonInvalidLine {
		t.Errorf("reason = %q, want %q", body.Reason, stock.ReasonInvalidLine)
	}
}

func TestDatabaseFailureAsksForRedelivery(t *testing.T) {
	for _, msg := range []*mq.Delivered{
		created("o-1", 1),
		delivery(eventsapi.TAG_PAID, &eventsapi.OrderPaid{OrderId: "o-1"}),
		delivery(eventsapi.TAG_CANCELLED, &eventsapi.OrderCancelled{OrderId: "o-1"}),
	} {
		t.Run(msg.Tags, func(t *testing.T) {
			f := newFixture(t, 5)
			db.Close(f.db)
			if err := f.orders.Handle(f.ctx, msg); err == nil {
				t.Error("Handle = nil with the database gone, want an error (redelivery)")
			}
		})
	}
}
