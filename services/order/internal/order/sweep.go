package order

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SweepGrace is how long past its deadline an unpaid order waits for its delayed
// timeout message before the sweeper cancels it: the message normally wins, and the
// sweeper only catches orders whose message was lost.
const SweepGrace = time.Minute

// SweepReport counts the orders one sweep moved.
type SweepReport struct {
	Expired   int // AWAITING_PAYMENT -> CANCELLED(PAYMENT_TIMEOUT)
	Received  int // SHIPPED -> RECEIVED
	Completed int // RECEIVED -> COMPLETED
}

// Sweep makes the timed transitions that are due at now, up to the policy's batch per
// kind; the next sweep takes the rest. Expiry is exactly the timeout message's rule,
// so the two can race harmlessly.
func (s *Service) Sweep(ctx context.Context, now time.Time) (SweepReport, error) {
	var rep SweepReport
	jobs := []struct {
		status Status
		cutoff time.Time
		moved  *int
		rule   func(*Order) (Event, error)
	}{
		{AwaitingPayment, now.Add(-SweepGrace), &rep.Expired,
			func(o *Order) (Event, error) { return o.Expire(now) }},
		{Shipped, now.Add(-s.policy.AutoReceiveAfter), &rep.Received,
			func(o *Order) (Event, error) { return nil, o.AutoReceive(now, s.policy.AutoReceiveAfter) }},
		{Received, now.Add(-s.policy.AutoCompleteAfter), &rep.Completed,
			func(o *Order) (Event, error) { return nil, o.AutoComplete(now, s.policy.AutoCompleteAfter) }},
	}
	var failures []error
	for _, job := range jobs {
		due, err := s.store.DueOrders(ctx, job.status, job.cutoff, s.policy.SweepBatch)
		if err != nil {
			failures = append(failures, fmt.Errorf("sweep %s: %w", job.status, err))
			continue
		}
		for _, id := range due {
			_, err := s.store.UpdateOrderAndSend(ctx, id, job.rule)
			switch {
			case err == nil:
				*job.moved++
			case errors.Is(err, ErrNotDue), errors.Is(err, ErrIllegalTransition):
				// It moved on (paid, cancelled by its message) since it was listed.
			default:
				failures = append(failures, fmt.Errorf("sweep %s order %s: %w", job.status, id, err))
			}
		}
	}
	return rep, errors.Join(failures...)
}
