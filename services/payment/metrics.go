package payment

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	domain "github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
)

// countedAnnouncer counts payments by the outcome other services hear about:
// succeeded (captured) and refunded. It wraps the announcer because an outcome counts
// exactly when its message commits with it.
type countedAnnouncer struct {
	domain.Announcer
	outcomes *prometheus.CounterVec
}

func countPayments(a domain.Announcer, reg prometheus.Registerer) (*countedAnnouncer, error) {
	outcomes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cartwheel_payments_total", Help: "Payments by outcome: succeeded (captured) or refunded.",
	}, []string{"outcome"})
	if err := reg.Register(outcomes); err != nil {
		return nil, err
	}
	return &countedAnnouncer{Announcer: a, outcomes: outcomes}, nil
}

func (c *countedAnnouncer) Succeeded(ctx context.Context, p *domain.Payment) error {
	if err := c.Announcer.Succeeded(ctx, p); err != nil {
		return err
	}
	c.outcomes.WithLabelValues("succeeded").Inc()
	return nil
}

func (c *countedAnnouncer) Refunded(ctx context.Context, p *domain.Payment, r domain.Refund) error {
	if err := c.Announcer.Refunded(ctx, p, r); err != nil {
		return err
	}
	c.outcomes.WithLabelValues("refunded").Inc()
	return nil
}
