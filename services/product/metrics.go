package product

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/store"
)

// reservationCounter counts the stock decisions the service commits, by outcome (the
// dashboard's "stock deduction success rate"). It wraps the sender of the outcome
// messages because a decision counts exactly when its message commits with it.
type reservationCounter struct {
	store.Sender
	decided *prometheus.CounterVec
}

func countReservations(s store.Sender, reg prometheus.Registerer) (*reservationCounter, error) {
	decided := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cartwheel_stock_reservations_total",
		Help: "Orders whose stock was decided, by outcome: reserved (every line) or rejected (nothing reserved).",
	}, []string{"outcome"})
	if err := reg.Register(decided); err != nil {
		return nil, err
	}
	for _, outcome := range []string{eventsapi.TAG_RESERVED, eventsapi.TAG_REJECTED} {
		decided.WithLabelValues(outcome) // both series exist from the start, so ratios are defined
	}
	return &reservationCounter{Sender: s, decided: decided}, nil
}

func (c *reservationCounter) Send(ctx context.Context, msg *mq.Message, fn func(tx *gorm.DB) error) error {
	if err := c.Sender.Send(ctx, msg, fn); err != nil {
		return err
	}
	if msg.Topic == eventsapi.TOPIC_STOCK && (msg.Tags == eventsapi.TAG_RESERVED || msg.Tags == eventsapi.TAG_REJECTED) {
		c.decided.WithLabelValues(msg.Tags).Inc()
	}
	return nil
}

// Outcomes of the stock gate's answers, the values of cartwheel_stock_gate_answers_total's
// outcome label.
const (
	gateAdmitted          = "admitted"
	gateStockInsufficient = "stock_insufficient"
	gateSKUNotFound       = "sku_not_found"
)

// newGateAnswers counts the stock gate's answers by outcome. An AdmitOrder that refuses
// succeeds as an RPC, so the RPC metrics cannot tell an admission from a refusal; in a
// flash sale this is where admissions turn into refusals once the stock is spoken for.
func newGateAnswers(reg prometheus.Registerer) (*prometheus.CounterVec, error) {
	answers := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cartwheel_stock_gate_answers_total",
		Help: "The stock gate's answers to AdmitOrder, by outcome: admitted, stock_insufficient or sku_not_found.",
	}, []string{"outcome"})
	if err := reg.Register(answers); err != nil {
		return nil, err
	}
	for _, outcome := range []string{gateAdmitted, gateStockInsufficient, gateSKUNotFound} {
		answers.WithLabelValues(outcome)
	}
	return answers, nil
}
