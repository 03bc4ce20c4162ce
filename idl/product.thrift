// The product service: categories, products, SKUs and their stock.
include "base.thrift"

namespace go product

struct Category {
    1: required string id
    2: required string name
}

struct Stock {
    1: required string sku
    2: required i64 available
    3: required i64 reserved
    4: required i64 sold
}

struct Sku {
    1: required string sku
    2: required map<string, string> attributes
    3: required base.Money price
    4: required i64 available
    5: required bool active
}

struct Product {
    1: required string id
    2: required string name
    3: required string description
    4: required Category category
    5: required list<Sku> skus
    6: required bool active
    7: required i64 created_at_ms
    8: required i64 updated_at_ms
}

struct NewSku {
    1: required string sku
    2: required map<string, string> attributes
    3: required base.Money price
}

struct CreateProductRequest {
    1: required string name
    2: required string description
    3: required string category_id
    4: required list<NewSku> skus
}

// UpdateProductRequest changes only the fields that are set.
struct UpdateProductRequest {
    1: required string id
    2: optional string name
    3: optional string description
    4: optional string category_id
    5: optional bool active
    // Prices by SKU code; every SKU must belong to the product.
    6: optional map<string, base.Money> prices
}

struct GetProductRequest {
    1: required string id
    2: optional bool include_inactive
}

struct ListProductsRequest {
    1: optional string query
    2: optional string category_id
    3: optional string sort          // "newest" (default), "price_asc", "price_desc"
    4: optional i32 page_size        // 1..100, default 20
    5: optional string page_token
}

struct ListProductsResponse {
    1: required list<Product> items
    2: required string next_page_token  // "" on the last page
}

struct ListCategoriesResponse {
    1: required list<Category> items
}

// CreateCategoryRequest names a new category; names are unique regardless of case.
struct CreateCategoryRequest {
    1: required string name
}

struct Empty {}

// SkuDetail is what the order service snapshots into an order line.
struct SkuDetail {
    1: required string sku
    2: required string product_id
    3: required string product_name
    4: required base.Money price
    5: required bool active         // false when the SKU or its product is deactivated
    6: required i64 available
}

struct BatchGetSkusRequest {
    1: required list<string> skus
}

struct BatchGetSkusResponse {
    // Unknown SKUs are absent; the caller decides what that means.
    1: required list<SkuDetail> items
}

struct AdjustStockRequest {
    1: required string sku
    2: required i64 delta
    3: required string reason
    4: required string actor_id
    // With a key (1 to 64 of A-Z a-z 0-9 _ . : -), the adjustment is made once per
    // actor and key: a retry with the same sku, delta and reason adjusts nothing and
    // answers the SKU's stock as it is now; other values with the key are refused
    // with IDEMPOTENCY_KEY_REUSED. Without one, every call adjusts.
    5: optional string idempotency_key
}

struct GetStockRequest {
    1: required string sku
}

// GateLine is one line of an order at the stock gate.
struct GateLine {
    1: required string sku
    2: required i64 quantity
}

struct AdmitOrderRequest {
    // The id the order will have; admitting it again is a no-op.
    1: required string order_id
    2: required list<GateLine> lines
}

// AdmitOrderResponse: refused_sku is empty when the order is admitted; otherwise it is
// the first SKU, in SKU order, the gate refused, and reason says why: STOCK_INSUFFICIENT
// or SKU_NOT_FOUND.
struct AdmitOrderResponse {
    1: required string refused_sku
    2: required string reason
}

struct ReturnAdmissionRequest {
    1: required string order_id
}

service ProductService {
    ListCategoriesResponse ListCategories(1: Empty req)
    // CreateCategory adds a category; a name taken by another (in any case) is refused.
    Category CreateCategory(1: CreateCategoryRequest req)
    Product CreateProduct(1: CreateProductRequest req)
    Product UpdateProduct(1: UpdateProductRequest req)
    Product GetProduct(1: GetProductRequest req)
    ListProductsResponse ListProducts(1: ListProductsRequest req)
    BatchGetSkusResponse BatchGetSkus(1: BatchGetSkusRequest req)
    // AdjustStock adds delta to available stock, recording reason and actor; it never
    // takes available below zero. It is safe to retry when given an idempotency key.
    Stock AdjustStock(1: AdjustStockRequest req)
    Stock GetStock(1: GetStockRequest req)
    // AdmitOrder is the stock gate in front of placing an order: it admits every line or
    // none, and never more than the available stock less what admitted orders still wait
    // for, so a sold-out SKU is refused at once instead of by a cancelled order seconds
    // later. The order's stock is still decided by order.created; an admission ends there.
    AdmitOrderResponse AdmitOrder(1: AdmitOrderRequest req)
    // ReturnAdmission gives back the admission of an order that was never placed.
    Empty ReturnAdmission(1: ReturnAdmissionRequest req)
}
