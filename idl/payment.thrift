// The payment service: payments against a provider, webhooks and refunds.
include "base.thrift"

namespace go payment

struct Payment {
    1: required string id
    2: required string order_id
    3: required string user_id
    4: required string status      // PENDING, SUCCEEDED, FAILED, REFUNDED
    5: required base.Money amount
    6: required string provider
    7: required string checkout_url
    8: required i64 created_at_ms
    9: required i64 updated_at_ms
    // refund is set once the payment is REFUNDED.
    10: optional Refund refund
}

// Refund is money returned for a payment, at most one per payment.
struct Refund {
    1: required string id
    2: required string provider_refund_id
    3: required base.Money amount
    4: required string reason
    5: required i64 created_at_ms
}

struct CreatePaymentRequest {
    1: required string order_id
    2: required string user_id
}

// GetPaymentRequest: an empty user_id reads any payment (internal and admin callers).
struct GetPaymentRequest {
    1: required string payment_id
    2: required string user_id
}

// ListOrderPaymentsRequest: every payment made for an order, oldest first (admin callers).
struct ListOrderPaymentsRequest {
    1: required string order_id
}

struct ListOrderPaymentsResponse {
    1: required list<Payment> payments
}

// WebhookRequest carries the provider's callback exactly as received.
struct WebhookRequest {
    1: required binary payload
    2: required string signature
    3: required string timestamp
}

struct WebhookResponse {
    1: required string payment_id
    // duplicate is true when this provider transaction was already recorded.
    2: required bool duplicate
}

struct SandboxCompleteRequest {
    1: required string payment_id
    2: required string user_id
}

service PaymentService {
    // CreatePayment reads the amount from the order service, never from the caller.
    Payment CreatePayment(1: CreatePaymentRequest req)
    Payment GetPayment(1: GetPaymentRequest req)
    ListOrderPaymentsResponse ListOrderPayments(1: ListOrderPaymentsRequest req)
    WebhookResponse HandleWebhook(1: WebhookRequest req)
    // SandboxComplete plays the payer with the sandbox provider, which then calls the
    // webhook. Refused when the sandbox provider is off.
    Payment SandboxComplete(1: SandboxCompleteRequest req)
}
