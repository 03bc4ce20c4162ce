package events

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
)

// refunderFunc stands in for the refund use case, so each of its outcomes can be given.
type refunderFunc func(ctx context.Context, r payment.RefundRequest) error

func (f refunderFunc) Refund(ctx context.Context, r payment.RefundRequest) error { return f(ctx, r) }

// Handle acknowledges (nil) what redelivery cannot fix and returns the rest for redelivery.
func TestRefundsAcknowledgeOrRedeliver(t *testing.T) {
	transient := errors.New("provider timeout")
	cases := []struct {
		name        string
		body        string
		outcome     error
		wantCalled  bool
		wantRequest payment.RefundRequest
		wantErr     error // nil: acknowledged
	}{
		{"refunded", `{"order_id":"o-1","payment_id":"p-1","reason":"ORDER_CANCELLED"}`, nil, true,
			payment.RefundRequest{OrderID: "o-1", PaymentID: "p-1", Reason: "ORDER_CANCELLED"}, nil},
		{"unknown_payment_acknowledged", `{"order_id":"o-1","payment_id":"p-1"}`, payment.ErrNotFound, true,
			payment.RefundRequest{OrderID: "o-1", PaymentID: "p-1"}, nil},
		{"nothing_collected_acknowledged", `{"order_id":"o-1","payment_id":"p-1"}`, fmt.Errorf("%w: PENDING", payment.ErrStateConflict), true,
			payment.RefundRequest{OrderID: "o-1", PaymentID: "p-1"}, nil},
		{"transient_failure_redelivered", `{"order_id":"o-1","payment_id":"p-1"}`, transient, true,
			payment.RefundRequest{OrderID: "o-1", PaymentID: "p-1"}, transient},
		{"undecodable_acknowledged", `{"order_id":`, nil, false, payment.RefundRequest{}, nil},
		{"wrong_types_acknowledged", `{"order_id":7}`, nil, false, payment.RefundRequest{}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			called := false
			h := NewRefunds(refunderFunc(func(_ context.Context, r payment.RefundRequest) error {
				called = true
				if r != c.wantRequest {
					t.Errorf("request %+v, want %+v", r, c.wantRequest)
				}
				return c.outcome
			}), slog.New(slog.NewTextHandler(io.Discard, nil)))
			msg := &mq.Delivered{Message: mq.Message{Topic: "cartwheel_order", Tags: "refund_requested", Body: []byte(c.body)}, ID: "m-1"}
			err := h.Handle(context.Background(), msg)
			if called != c.wantCalled {
				t.Fatalf("use case called: %v, want %v", called, c.wantCalled)
			}
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
				t.Fatalf("Handle = %v, want %v", err, c.wantErr)
			}
		})
	}
}
