package order

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

// In-memory stand-ins for the ports, so the service's rules are tested without a
// database or a network. The store's own behaviour is tested in internal/store.

type fakeCatalog struct {
	skus  map[string]SKU
	err   error
	calls int
	// The stock gate: soldOut SKUs are refused; admitted and returned list order ids.
	soldOut  map[string]bool
	admitted []string
	returned []string
}

func (c *fakeCatalog) Admit(_ context.Context, orderID string, lines []LineRequest) error {
	if c.err != nil {
		return c.err
	}
	for _, l := range lines {
		if c.soldOut[l.SKU] {
			return &SkuError{SKU: l.SKU, Err: ErrStockInsufficient}
		}
	}
	c.admitted = append(c.admitted, orderID)
	return nil
}

func (c *fakeCatalog) ReturnAdmission(_ context.Context, orderID string) error {
	c.returned = append(c.returned, orderID)
	return nil
}

func (c *fakeCatalog) SKUs(_ context.Context, codes []string) (map[string]SKU, error) {
	c.calls++
	if c.err != nil {
		return nil, c.err
	}
	out := map[string]SKU{}
	for _, code := range codes {
		if s, ok := c.skus[code]; ok {
			out[code] = s
		}
	}
	return out, nil
}

type fakeAddresses struct {
	book  map[string]Address // userID + "/" + addressID
	calls int
}

func (a *fakeAddresses) Address(_ context.Context, userID, addressID string) (Address, error) {
	a.calls++
	if addr, ok := a.book[userID+"/"+addressID]; ok {
		return addr, nil
	}
	return Address{}, ErrAddressNotFound
}

type scheduled struct {
	orderID string
	delay   time.Duration
}

type fakeTimeouts struct {
	sent []scheduled
	err  error
}

func (f *fakeTimeouts) ScheduleTimeout(_ context.Context, orderID string, _ time.Time, delay time.Duration) error {
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, scheduled{orderID, delay})
	return nil
}

type memKey struct{ orderID, fingerprint string }

// memStore keeps orders as snapshots; events records what would have been sent.
type memStore struct {
	mu     sync.Mutex
	orders map[string]Snapshot
	keys   map[string]memKey // userID + "/" + key
	carts  map[string][]CartItem
	events []Event
	// beforeInsert runs at the start of InsertOrder, to play a concurrent request.
	beforeInsert func()
	// insertErr, when set, fails InsertOrder.
	insertErr error
}

func newMemStore() *memStore {
	return &memStore{orders: map[string]Snapshot{}, keys: map[string]memKey{}, carts: map[string][]CartItem{}}
}

func (m *memStore) InsertOrder(_ context.Context, p Placement, created Event) error {
	if hook := m.beforeInsert; hook != nil {
		m.beforeInsert = nil
		hook()
	}
	if m.insertErr != nil {
		return m.insertErr
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := p.Order.Snapshot()
	k := s.UserID + "/" + p.Key
	if _, taken := m.keys[k]; taken {
		return ErrIdempotencyKeyTaken
	}
	m.keys[k] = memKey{s.ID, p.Fingerprint}
	m.orders[s.ID] = s
	if p.FromCart {
		m.carts[s.UserID] = slices.DeleteFunc(m.carts[s.UserID], func(it CartItem) bool {
			return slices.ContainsFunc(s.Lines, func(l Line) bool { return l.SKU == it.SKU })
		})
	}
	m.events = append(m.events, created)
	return nil
}

func (m *memStore) OrderByKey(ctx context.Context, userID, key string) (*Order, string, error) {
	m.mu.Lock()
	k, ok := m.keys[userID+"/"+key]
	m.mu.Unlock()
	if !ok {
		return nil, "", ErrNotFound
	}
	o, err := m.Order(ctx, k.orderID)
	return o, k.fingerprint, err
}

func (m *memStore) Order(_ context.Context, id string) (*Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.orders[id]
	if !ok {
		return nil, ErrNotFound
	}
	return Restore(s), nil
}

func (m *memStore) ListOrders(context.Context, string, Status, *Cursor, int) ([]*Order, error) {
	panic("not used by these tests; see the store tests")
}

func (m *memStore) UpdateOrder(ctx context.Context, id string, rule func(*Order) error) (*Order, error) {
	return m.UpdateOrderAndSend(ctx, id, func(o *Order) (Event, error) { return nil, rule(o) })
}

func (m *memStore) UpdateOrderAndSend(ctx context.Context, id string, rule func(*Order) (Event, error)) (*Order, error) {
	o, err := m.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	ev, err := rule(o)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := o.Snapshot()
	s.Version++
	m.orders[id] = s
	if ev != nil {
		m.events = append(m.events, ev)
	}
	return Restore(s), nil
}

func (m *memStore) DueOrders(_ context.Context, status Status, cutoff time.Time, limit int) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []string
	for id, s := range m.orders {
		var clock time.Time
		switch {
		case s.Status != status:
			continue
		case status == AwaitingPayment:
			clock = s.PaymentDeadline
		case status == Shipped:
			clock = s.Shipment.ShippedAt
		case status == Received:
			clock = s.ReceivedAt
		}
		if !clock.After(cutoff) {
			due = append(due, id)
		}
	}
	slices.Sort(due)
	return due[:min(limit, len(due))], nil
}

func (m *memStore) CartItems(_ context.Context, userID string) ([]CartItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.carts[userID]), nil
}

func (m *memStore) SetCartItem(_ context.Context, userID string, item CartItem, maxLines int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	items := m.carts[userID]
	if i := slices.IndexFunc(items, func(it CartItem) bool { return it.SKU == item.SKU }); i >= 0 {
		items[i].Quantity = item.Quantity
		return nil
	}
	if len(items) >= maxLines {
		return ErrCartFull
	}
	m.carts[userID] = append(items, item)
	return nil
}

func (m *memStore) RemoveCartItem(_ context.Context, userID, sku string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.carts[userID] = slices.DeleteFunc(m.carts[userID], func(it CartItem) bool { return it.SKU == sku })
	return nil
}

// status reads an order's status straight from the store.
func (m *memStore) status(t *testing.T, id string) Status {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.orders[id]
	if !ok {
		t.Fatalf("order %s not stored", id)
	}
	return s.Status
}

// put stores o as it is.
func (m *memStore) put(o *Order) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.orders[o.id] = o.Snapshot()
}

// harness is a Service on fakes, with a clock the test moves.
type harness struct {
	svc   *Service
	store *memStore
	// replica is a second order service over the same store and neighbours: another
	// replica, which a concurrent copy of a request can reach.
	replica   *Service
	catalog   *fakeCatalog
	addresses *fakeAddresses
	timeouts  *fakeTimeouts
	now       time.Time
	logs      *bytes.Buffer
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{
		store: newMemStore(),
		catalog: &fakeCatalog{skus: map[string]SKU{
			"TEE-RED-M": {Code: "TEE-RED-M", Name: "Tee", Price: usd(1999), Active: true},
			"MUG":       {Code: "MUG", Name: "Mug", Price: usd(850), Active: true},
			"OLD":       {Code: "OLD", Name: "Retired", Price: usd(100), Active: false},
			"EURO":      {Code: "EURO", Name: "Import", Price: money.Money{Cents: 100, Currency: "EUR"}, Active: true},
		}},
		addresses: &fakeAddresses{book: map[string]Address{
			userA + "/" + addrA: {Recipient: "Ada", Line1: "1 Loop Rd", City: "Springfield", PostalCode: "12345", Country: "US"},
		}},
		timeouts: &fakeTimeouts{},
		now:      t0,
		logs:     &bytes.Buffer{},
	}
	policy := Policy{Currency: "USD", PaymentTimeout: 15 * time.Minute, AutoReceiveAfter: 240 * time.Hour,
		AutoCompleteAfter: 168 * time.Hour, MaxLines: 50, SweepBatch: 100}
	ports := Ports{Store: h.store, Catalog: h.catalog, Addresses: h.addresses, Timeouts: h.timeouts}
	h.svc = NewService(ports, policy, func() time.Time { return h.now }, slog.New(slog.NewTextHandler(h.logs, nil)))
	h.replica = NewService(ports, policy, func() time.Time { return h.now }, slog.New(slog.NewTextHandler(h.logs, nil)))
	return h
}
