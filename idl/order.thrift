// The order service: carts and orders with their state machine.
include "base.thrift"

namespace go order

struct OrderLine {
    1: required string sku
    2: required string name
    3: required i64 quantity
    4: required base.Money unit_price
}

struct ShippingAddress {
    1: required string recipient
    2: required string line1
    3: optional string line2
    4: required string city
    5: optional string region
    6: required string postal_code
    7: required string country
    8: optional string phone
}

struct Shipment {
    1: required string carrier
    2: required string tracking_no
    3: required i64 shipped_at_ms
}

struct Order {
    1: required string id
    2: required string user_id
    // PENDING, AWAITING_PAYMENT, PAID, SHIPPED, RECEIVED, COMPLETED, CANCELLED, REFUNDED
    3: required string status
    // OUT_OF_STOCK, PAYMENT_TIMEOUT, USER_CANCELLED, or ""
    4: required string cancel_reason
    5: required list<OrderLine> lines
    6: required base.Money total
    7: required ShippingAddress address
    8: optional Shipment shipment
    9: required i64 payment_deadline_ms
    10: required i64 created_at_ms
    11: required i64 updated_at_ms
}

struct CartLine {
    1: required string sku
    2: required string name
    3: required i64 quantity
    4: required base.Money unit_price
}

struct Cart {
    1: required list<CartLine> lines
    2: required base.Money total
}

struct GetCartRequest {
    1: required string user_id
}

struct SetCartItemRequest {
    1: required string user_id
    2: required string sku
    3: required i64 quantity
}

struct RemoveCartItemRequest {
    1: required string user_id
    2: required string sku
}

struct LineRequest {
    1: required string sku
    2: required i64 quantity
}

struct CreateOrderRequest {
    1: required string user_id
    2: required string idempotency_key
    // Exactly one of lines and from_cart.
    3: optional list<LineRequest> lines
    4: optional bool from_cart
    5: required string address_id
}

struct CreateOrderResponse {
    1: required Order order
    // replayed is true when the key was seen before with the same request.
    2: required bool replayed
}

// GetOrderRequest: an empty user_id reads any order (internal and admin callers);
// otherwise another user's order is ORDER_NOT_FOUND.
struct GetOrderRequest {
    1: required string order_id
    2: required string user_id
}

struct ListOrdersRequest {
    1: required string user_id
    2: optional string status
    3: optional i32 page_size
    4: optional string page_token
}

struct ListOrdersResponse {
    1: required list<Order> items
    2: required string next_page_token
}

struct CancelOrderRequest {
    1: required string order_id
    2: required string user_id
}

struct ShipOrderRequest {
    1: required string order_id
    2: required string carrier
    3: required string tracking_no
}

struct ConfirmReceiptRequest {
    1: required string order_id
    2: required string user_id
}

service OrderService {
    Cart GetCart(1: GetCartRequest req)
    Cart SetCartItem(1: SetCartItemRequest req)
    Cart RemoveCartItem(1: RemoveCartItemRequest req)
    CreateOrderResponse CreateOrder(1: CreateOrderRequest req)
    Order GetOrder(1: GetOrderRequest req)
    ListOrdersResponse ListOrders(1: ListOrdersRequest req)
    Order CancelOrder(1: CancelOrderRequest req)
    Order ShipOrder(1: ShipOrderRequest req)
    Order ConfirmReceipt(1: ConfirmReceiptRequest req)
}
