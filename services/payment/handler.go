package payment

import (
	"context"
	"log/slog"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	paymentapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	domain "github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
)

// errorTable maps the domain's sentinels to the catalog, in one place.
var errorTable = []errs.Mapping{
	{Err: domain.ErrNotFound, Code: errs.PaymentNotFound},
	{Err: domain.ErrOrderNotFound, Code: errs.OrderNotFound},
	{Err: domain.ErrOrderNotPayable, Code: errs.OrderNotPayable},
	{Err: domain.ErrStateConflict, Code: errs.PaymentStateConflict},
	{Err: domain.ErrAmountMismatch, Code: errs.PaymentAmountMismatch},
	{Err: domain.ErrSignatureInvalid, Code: errs.WebhookSignatureInvalid},
	{Err: domain.ErrSandboxDisabled, Code: errs.SandboxDisabled},
}

// handler is the Kitex face of the service: thrift in, domain call, thrift out.
type handler struct {
	svc *domain.Service
	log *slog.Logger
}

var _ paymentapi.PaymentService = (*handler)(nil)

func (h *handler) CreatePayment(ctx context.Context, req *paymentapi.CreatePaymentRequest) (*paymentapi.Payment, error) {
	if req == nil {
		req = &paymentapi.CreatePaymentRequest{}
	}
	p, err := h.svc.Create(ctx, req.OrderId, req.UserId)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftPayment(p), nil
}

func (h *handler) GetPayment(ctx context.Context, req *paymentapi.GetPaymentRequest) (*paymentapi.Payment, error) {
	if req == nil {
		req = &paymentapi.GetPaymentRequest{}
	}
	p, err := h.svc.Get(ctx, req.PaymentId, req.UserId)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftPayment(p), nil
}

func (h *handler) ListOrderPayments(ctx context.Context, req *paymentapi.ListOrderPaymentsRequest) (*paymentapi.ListOrderPaymentsResponse, error) {
	if req == nil {
		req = &paymentapi.ListOrderPaymentsRequest{}
	}
	records, err := h.svc.ForOrder(ctx, req.OrderId)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	out := &paymentapi.ListOrderPaymentsResponse{Payments: make([]*paymentapi.Payment, len(records))}
	for i, r := range records {
		out.Payments[i] = toThriftPayment(r.Payment)
		if r.Refund != nil {
			out.Payments[i].Refund = toThriftRefund(*r.Refund)
		}
	}
	return out, nil
}

func (h *handler) HandleWebhook(ctx context.Context, req *paymentapi.WebhookRequest) (*paymentapi.WebhookResponse, error) {
	res, err := h.svc.HandleCallback(ctx, toDomainCallback(req))
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return &paymentapi.WebhookResponse{PaymentId: res.PaymentID, Duplicate: res.Duplicate}, nil
}

func (h *handler) SandboxComplete(ctx context.Context, req *paymentapi.SandboxCompleteRequest) (*paymentapi.Payment, error) {
	if req == nil {
		req = &paymentapi.SandboxCompleteRequest{}
	}
	p, err := h.svc.SandboxComplete(ctx, req.PaymentId, req.UserId)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftPayment(p), nil
}

// fail answers a failed call the one way every service does (suite.Fail).
func (h *handler) fail(ctx context.Context, err error) error {
	return suite.Fail(ctx, h.log, err, errorTable)
}

func toDomainCallback(req *paymentapi.WebhookRequest) domain.Callback {
	if req == nil {
		return domain.Callback{}
	}
	return domain.Callback{Payload: req.Payload, Signature: req.Signature, Timestamp: req.Timestamp}
}

func toThriftPayment(p *domain.Payment) *paymentapi.Payment {
	return &paymentapi.Payment{
		Id:          p.ID(),
		OrderId:     p.OrderID(),
		UserId:      p.UserID(),
		Status:      string(p.Status()),
		Amount:      toThriftMoney(p.Amount()),
		Provider:    p.Provider(),
		CheckoutUrl: p.CheckoutURL(),
		CreatedAtMs: p.CreatedAt().UnixMilli(),
		UpdatedAtMs: p.UpdatedAt().UnixMilli(),
	}
}

func toThriftRefund(r domain.Refund) *paymentapi.Refund {
	return &paymentapi.Refund{
		Id: r.ID, ProviderRefundId: r.ProviderRefundID, Amount: toThriftMoney(r.Amount),
		Reason: r.Reason, CreatedAtMs: r.CreatedAt.UnixMilli(),
	}
}

func toThriftMoney(m money.Money) *baseapi.Money {
	return &baseapi.Money{AmountCents: m.Cents, Currency: m.Currency}
}
