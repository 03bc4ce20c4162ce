// Shared types of the Cartwheel contract.
namespace go base

// Money is an integer amount of the currency's smallest unit; never a float.
struct Money {
    1: required i64 amount_cents
    2: required string currency // ISO 4217, e.g. "USD"
}

// FieldViolation names one invalid field of a request.
struct FieldViolation {
    1: required string field  // JSON path as the client sent it, e.g. "lines[0].quantity"
    2: required string reason
}
