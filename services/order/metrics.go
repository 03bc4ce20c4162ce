package order

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	domain "github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

// meteredStore counts what the shop's dashboard shows about orders: how many are
// placed, every transition by from and to state, and how long an order takes to settle
// (creation to AWAITING_PAYMENT or CANCELLED: the consistency protocol's latency). It
// wraps the store because every change of an order passes through it, and the domain
// stays free of metrics.
type meteredStore struct {
	domain.Storer
	clock       func() time.Time
	created     prometheus.Counter
	transitions *prometheus.CounterVec
	settle      *prometheus.HistogramVec
}

func newMeteredStore(st domain.Storer, reg prometheus.Registerer, clock func() time.Time) (*meteredStore, error) {
	m := &meteredStore{
		Storer: st,
		clock:  clock,
		created: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cartwheel_orders_created_total", Help: "Orders placed (PENDING), replays of an idempotency key not counted.",
		}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cartwheel_order_transitions_total", Help: "Order state changes, by the state left and the state entered.",
		}, []string{"from", "to"}),
		settle: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cartwheel_order_settle_seconds",
			Help:    "Time from an order's creation to AWAITING_PAYMENT (stock reserved) or CANCELLED (rejected or cancelled first).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"outcome"}),
	}
	for _, c := range []prometheus.Collector{m.created, m.transitions, m.settle} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *meteredStore) InsertOrder(ctx context.Context, p domain.Placement, created domain.Event) error {
	if err := m.Storer.InsertOrder(ctx, p, created); err != nil {
		return err
	}
	m.created.Inc()
	return nil
}

func (m *meteredStore) UpdateOrder(ctx context.Context, id string, rule func(*domain.Order) error) (*domain.Order, error) {
	return m.UpdateOrderAndSend(ctx, id, func(o *domain.Order) (domain.Event, error) { return nil, rule(o) })
}

func (m *meteredStore) UpdateOrderAndSend(ctx context.Context, id string, rule func(*domain.Order) (domain.Event, error)) (*domain.Order, error) {
	var from domain.Status
	o, err := m.Storer.UpdateOrderAndSend(ctx, id, func(o *domain.Order) (domain.Event, error) {
		from = o.Status() // the rule may run again on a fresh read; the last run is the one written
		return rule(o)
	})
	if err != nil {
		return nil, err
	}
	to := o.Status()
	if to == from {
		return o, nil
	}
	m.transitions.WithLabelValues(string(from), string(to)).Inc()
	if from == domain.Pending && (to == domain.AwaitingPayment || to == domain.Cancelled) {
		outcome := map[domain.Status]string{domain.AwaitingPayment: "awaiting_payment", domain.Cancelled: "cancelled"}[to]
		m.settle.WithLabelValues(outcome).Observe(m.clock().Sub(o.Snapshot().CreatedAt).Seconds())
	}
	return o, nil
}
