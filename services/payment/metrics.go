package payment

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	domain "github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
)

// countedStore counts payments by the outcome other services hear about: succeeded
// (captured) and refunded. It wraps the store because an outcome counts exactly when its
// message commits with it, and the domain stays free of metrics.
type countedStore struct {
	domain.Storer
	outcomes *prometheus.CounterVec
}

func countPayments(st domain.Storer, reg prometheus.Registerer) (*countedStore, error) {
	outcomes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cartwheel_payments_total", Help: "Payments by outcome: succeeded (captured) or refunded.",
	}, []string{"outcome"})
	if err := reg.Register(outcomes); err != nil {
		return nil, err
	}
	return &countedStore{Storer: st, outcomes: outcomes}, nil
}

func (c *countedStore) UpdatePayment(ctx context.Context, id string, rule func(*domain.Payment) (domain.Event, error)) (*domain.Payment, error) {
	var sent domain.Event
	p, err := c.Storer.UpdatePayment(ctx, id, func(p *domain.Payment) (domain.Event, error) {
		ev, err := rule(p) // the rule may run again on a fresh read; the last run is the one written
		sent = ev
		return ev, err
	})
	if err != nil {
		return nil, err
	}
	switch sent.(type) {
	case domain.PaymentSucceeded:
		c.outcomes.WithLabelValues("succeeded").Inc()
	case domain.PaymentRefunded:
		c.outcomes.WithLabelValues("refunded").Inc()
	}
	return p, nil
}
