// Payloads of the messages of the consistency protocol (ARCHITECTURE.md §5). Bodies are
// the JSON encoding of these structs; topic and tag name each message.
include "base.thrift"

namespace go events

struct EventLine {
    1: required string sku
    2: required i64 quantity
}

// Topic "order", tag "created": an order was inserted PENDING; reserve its stock.
struct OrderCreated {
    1: required string order_id
    2: required string user_id
    3: required list<EventLine> lines
    4: required i64 created_at_ms
}

// Topic "stock", tag "reserved": every line of the order is reserved.
struct StockReserved {
    1: required string order_id
}

// Topic "stock", tag "rejected": some line could not be reserved; nothing was.
struct StockRejected {
    1: required string order_id
    2: required string sku
    3: required string reason
}

// Topic "order", tag "timeout" (delayed): cancel the order if still unpaid.
struct OrderTimeout {
    1: required string order_id
    2: required i64 deadline_ms
}

// Topic "payment", tag "succeeded": the provider confirmed a payment.
struct PaymentSucceeded {
    1: required string payment_id
    2: required string order_id
    3: required base.Money amount
    4: required string provider_txn_id
}

// Topic "order", tag "paid": turn the order's reservation into a sale.
struct OrderPaid {
    1: required string order_id
    2: required string payment_id
}

// Topic "order", tag "cancelled": release the order's reservation.
struct OrderCancelled {
    1: required string order_id
    2: required string reason
}

// Topic "order", tag "refund_requested": a payment arrived for an order that cannot
// take it (cancelled); the payment must be refunded, never kept.
struct RefundRequested {
    1: required string order_id
    2: required string payment_id
    3: required string reason
}

// Topic "payment", tag "refunded": a payment was refunded.
struct PaymentRefunded {
    1: required string payment_id
    2: required string order_id
    3: required base.Money amount
}

// Topics and tags. RocketMQ topic names cannot hold dots, so "order.created" is topic
// "cartwheel_order" with tag "created".
const string TOPIC_ORDER = "cartwheel_order"
const string TOPIC_STOCK = "cartwheel_stock"
const string TOPIC_PAYMENT = "cartwheel_payment"

const string TAG_CREATED = "created"
const string TAG_TIMEOUT = "timeout"
const string TAG_PAID = "paid"
const string TAG_CANCELLED = "cancelled"
const string TAG_REFUND_REQUESTED = "refund_requested"
const string TAG_RESERVED = "reserved"
const string TAG_REJECTED = "rejected"
const string TAG_SUCCEEDED = "succeeded"
const string TAG_REFUNDED = "refunded"
