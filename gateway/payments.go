package gateway

import (
	"context"
	"net/http"

	"github.com/cloudwego/hertz/pkg/app"

	paymentapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

type paymentView struct {
	ID          string    `json:"id"`
	OrderID     string    `json:"order_id"`
	Status      string    `json:"status"`
	Amount      moneyJSON `json:"amount"`
	Provider    string    `json:"provider"`
	CheckoutURL string    `json:"checkout_url"`
	CreatedAt   string    `json:"created_at"`
	UpdatedAt   string    `json:"updated_at"`
}

func paymentOut(p *paymentapi.Payment) paymentView {
	return paymentView{
		ID: p.Id, OrderID: p.OrderId, Status: p.Status, Amount: moneyOut(p.Amount), Provider: p.Provider,
		CheckoutURL: p.CheckoutUrl, CreatedAt: timeOut(p.CreatedAtMs), UpdatedAt: timeOut(p.UpdatedAtMs),
	}
}

// paymentRecordView is a payment as the admin console reads it: with its refund, null
// until the payment is REFUNDED.
type paymentRecordView struct {
	paymentView
	Refund *refundView `json:"refund"`
}

type refundView struct {
	ID               string    `json:"id"`
	ProviderRefundID string    `json:"provider_refund_id"`
	Amount           moneyJSON `json:"amount"`
	Reason           string    `json:"reason"`
	CreatedAt        string    `json:"created_at"`
}

func paymentRecordOut(p *paymentapi.Payment) paymentRecordView {
	out := paymentRecordView{paymentView: paymentOut(p)}
	if r := p.Refund; r != nil {
		out.Refund = &refundView{
			ID: r.Id, ProviderRefundID: r.ProviderRefundId, Amount: moneyOut(r.Amount), Reason: r.Reason,
			CreatedAt: timeOut(r.CreatedAtMs),
		}
	}
	return out
}

// createPayment sends no amount: the payment service reads it from the order.
func (a *api) createPayment(ctx context.Context, c *app.RequestContext) {
	orderID, ok := pathID(c, errs.OrderNotFound)
	if !ok {
		return
	}
	p, err := a.payments.CreatePayment(ctx, &paymentapi.CreatePaymentRequest{OrderId: orderID, UserId: callerID(c)})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusCreated, paymentOut(p))
}

func (a *api) getPayment(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.PaymentNotFound)
	if !ok {
		return
	}
	p, err := a.payments.GetPayment(ctx, &paymentapi.GetPaymentRequest{PaymentId: id, UserId: callerID(c)})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, paymentOut(p))
}

// sandboxComplete answers 200 with the payment as the service reports it once the
// sandbox provider has played the payer; the order moves to PAID when the webhook it
// triggers has been processed, which clients observe by polling the order.
func (a *api) sandboxComplete(ctx context.Context, c *app.RequestContext) {
	id, ok := pathID(c, errs.PaymentNotFound)
	if !ok {
		return
	}
	p, err := a.payments.SandboxComplete(ctx, &paymentapi.SandboxCompleteRequest{PaymentId: id, UserId: callerID(c)})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, paymentOut(p))
}

// paymentWebhook hands the provider's callback to the payment service byte for byte:
// verifying the signature is that service's job, and any re-encoding would break it.
func (a *api) paymentWebhook(ctx context.Context, c *app.RequestContext) {
	_, err := a.payments.HandleWebhook(ctx, &paymentapi.WebhookRequest{
		Payload:   c.Request.Body(),
		Signature: string(c.GetHeader("X-Signature")),
		Timestamp: string(c.GetHeader("X-Timestamp")),
	})
	if err != nil {
		a.fail(ctx, c, err)
		return
	}
	c.JSON(http.StatusOK, map[string]bool{"received": true})
}
