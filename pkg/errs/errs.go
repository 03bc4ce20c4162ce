// Package errs is Cartwheel's one error catalog: every failure a client or an internal
// caller can see has a stable string code, a numeric Kitex biz-status code and the HTTP
// status the gateway answers with.
package errs

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/go-sql-driver/mysql"
)

// Code is one entry of the catalog.
type Code struct {
	Name    string // stable, e.g. "ORDER_NOT_FOUND"
	Biz     int32  // Kitex biz-status code, unique across the catalog
	HTTP    int    // status the gateway answers with
	Message string // default human sentence
}

// The catalog. Codes are never renumbered or renamed; add new ones at the end of a group.
var (
	Internal         = Code{"INTERNAL", 10000, http.StatusInternalServerError, "internal error"}
	Unavailable      = Code{"UNAVAILABLE", 10001, http.StatusServiceUnavailable, "a dependency is unavailable, retry later"}
	InvalidArgument  = Code{"INVALID_ARGUMENT", 10100, http.StatusBadRequest, "the request has invalid fields"}
	MalformedJSON    = Code{"MALFORMED_JSON", 10101, http.StatusBadRequest, "the request body is not valid JSON"}
	Unauthenticated  = Code{"UNAUTHENTICATED", 10200, http.StatusUnauthorized, "a valid access token is required"}
	TokenExpired     = Code{"TOKEN_EXPIRED", 10201, http.StatusUnauthorized, "the access token has expired"}
	Forbidden        = Code{"FORBIDDEN", 10300, http.StatusForbidden, "you are not allowed to do this"}
	RouteNotFound    = Code{"NOT_FOUND", 10400, http.StatusNotFound, "no such resource"}
	MethodNotAllowed = Code{"METHOD_NOT_ALLOWED", 10405, http.StatusMethodNotAllowed, "method not allowed on this resource"}
	BodyTooLarge     = Code{"BODY_TOO_LARGE", 10413, http.StatusRequestEntityTooLarge, "the request body is too large"}
	RateLimited      = Code{"RATE_LIMITED", 10429, http.StatusTooManyRequests, "too many requests, slow down"}
	Overloaded       = Code{"OVERLOADED", 10503, http.StatusServiceUnavailable, "the server is at capacity, retry later"}

	EmailTaken              = Code{"EMAIL_TAKEN", 20001, http.StatusConflict, "an account with this email already exists"}
	InvalidCredentials      = Code{"INVALID_CREDENTIALS", 20002, http.StatusUnauthorized, "email or password is wrong"}
	RefreshTokenInvalid     = Code{"REFRESH_TOKEN_INVALID", 20003, http.StatusUnauthorized, "the refresh token is invalid, expired or already used"}
	UserNotFound            = Code{"USER_NOT_FOUND", 20004, http.StatusNotFound, "user not found"}
	AddressNotFound         = Code{"ADDRESS_NOT_FOUND", 20005, http.StatusNotFound, "address not found"}
	TooManyAddresses        = Code{"TOO_MANY_ADDRESSES", 20006, http.StatusConflict, "the address book is full"}
	ProductNotFound         = Code{"PRODUCT_NOT_FOUND", 30001, http.StatusNotFound, "product not found"}
	SkuNotFound             = Code{"SKU_NOT_FOUND", 30002, http.StatusNotFound, "SKU not found"}
	CategoryNotFound        = Code{"CATEGORY_NOT_FOUND", 30003, http.StatusNotFound, "category not found"}
	SkuTaken                = Code{"SKU_TAKEN", 30004, http.StatusConflict, "a SKU with this code already exists"}
	StockInsufficient       = Code{"STOCK_INSUFFICIENT", 30005, http.StatusConflict, "not enough stock"}
	SkuUnavailable          = Code{"SKU_UNAVAILABLE", 30006, http.StatusConflict, "the SKU is not for sale"}
	CategoryTaken           = Code{"CATEGORY_TAKEN", 30007, http.StatusConflict, "a category with this name already exists"}
	OrderNotFound           = Code{"ORDER_NOT_FOUND", 40001, http.StatusNotFound, "order not found"}
	OrderStateConflict      = Code{"ORDER_STATE_CONFLICT", 40002, http.StatusConflict, "the order is not in a state that allows this"}
	IdempotencyKeyReused    = Code{"IDEMPOTENCY_KEY_REUSED", 40003, http.StatusConflict, "the Idempotency-Key was used with a different request"}
	CartEmpty               = Code{"CART_EMPTY", 40004, http.StatusConflict, "the cart is empty"}
	CartFull                = Code{"CART_FULL", 40005, http.StatusConflict, "the cart cannot hold more lines"}
	PaymentNotFound         = Code{"PAYMENT_NOT_FOUND", 50001, http.StatusNotFound, "payment not found"}
	PaymentAmountMismatch   = Code{"PAYMENT_AMOUNT_MISMATCH", 50002, http.StatusConflict, "the paid amount does not match the payment"}
	WebhookSignatureInvalid = Code{"WEBHOOK_SIGNATURE_INVALID", 50003, http.StatusUnauthorized, "the webhook signature is invalid or stale"}
	PaymentStateConflict    = Code{"PAYMENT_STATE_CONFLICT", 50004, http.StatusConflict, "the payment is not in a state that allows this"}
	OrderNotPayable         = Code{"ORDER_NOT_PAYABLE", 50005, http.StatusConflict, "the order is not awaiting payment"}
	SandboxDisabled         = Code{"SANDBOX_DISABLED", 50006, http.StatusNotFound, "the sandbox provider is off"}
)

// Catalog lists every code; a test keeps names and biz codes unique.
func Catalog() []Code {
	return []Code{
		Internal, Unavailable, InvalidArgument, MalformedJSON, Unauthenticated, TokenExpired,
		Forbidden, RouteNotFound, MethodNotAllowed, BodyTooLarge, RateLimited, Overloaded,
		EmailTaken, InvalidCredentials, RefreshTokenInvalid, UserNotFound, AddressNotFound,
		TooManyAddresses, ProductNotFound, SkuNotFound, CategoryNotFound, SkuTaken,
		StockInsufficient, SkuUnavailable, CategoryTaken, OrderNotFound, OrderStateConflict,
		IdempotencyKeyReused, CartEmpty, CartFull, PaymentNotFound, PaymentAmountMismatch,
		WebhookSignatureInvalid, PaymentStateConflict, OrderNotPayable, SandboxDisabled,
	}
}

// ByBiz finds a code by its biz-status number.
func ByBiz(biz int32) (Code, bool) {
	for _, c := range Catalog() {
		if c.Biz == biz {
			return c, true
		}
	}
	return Code{}, false
}

// FieldViolation names one invalid field, by its JSON path as the client sent it.
type FieldViolation struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is a catalogued error with an optional specific message and field violations.
type Error struct {
	Code    Code
	Message string
	Details []FieldViolation
	cause   error // what FromRPC recovered it from, for logs only
}

// Unwrap gives logs the transport error behind an UNAVAILABLE.
func (e *Error) Unwrap() error { return e.cause }

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code.Name + ": " + e.Code.Message
	}
	return e.Code.Name + ": " + e.Message
}

// Is makes errors.Is(err, errs.New(errs.OrderNotFound)) match by code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code.Name == e.Code.Name
}

// New makes an Error with the code's default message.
func New(c Code) *Error { return &Error{Code: c, Message: c.Message} }

// Newf makes an Error with a specific message.
func Newf(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Message: fmt.Sprintf(format, args...)}
}

// Violations collects every invalid field of a request, so all are reported at once.
type Violations []FieldViolation

// Add records one invalid field.
func (v *Violations) Add(field, reason string) { *v = append(*v, FieldViolation{field, reason}) }

// Err is nil when nothing was recorded, else INVALID_ARGUMENT listing every violation.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	return Invalid(v...)
}

// Invalid makes an INVALID_ARGUMENT error listing every violation.
func Invalid(violations ...FieldViolation) *Error {
	return &Error{Code: InvalidArgument, Message: InvalidArgument.Message, Details: violations}
}

const detailsKey = "details"

// BizStatusCode, BizMessage and BizExtra make *Error a Kitex biz-status error by shape
// (Kitex recognises kerrors.BizStatusErrorIface through errors.As), so this package,
// and every domain package that reports field violations with it, imports no framework.
func (e *Error) BizStatusCode() int32 { return e.Code.Biz }
func (e *Error) BizMessage() string   { return e.Message }
func (e *Error) BizExtra() map[string]string {
	if len(e.Details) == 0 {
		return nil
	}
	b, _ := json.Marshal(e.Details) // a slice of string pairs always marshals
	return map[string]string{detailsKey: string(b)}
}

// ToBiz returns the error in the form that crosses the wire as a biz status.
func (e *Error) ToBiz() error { return e }

// bizStatus is the shape of a biz-status error as a Kitex client returns it.
type bizStatus interface {
	BizStatusCode() int32
	BizMessage() string
	BizExtra() map[string]string
}

// FromRPC recovers the catalogued error from an RPC error. Anything that is not a biz
// status of the catalog (a timeout, a refused connection) becomes UNAVAILABLE, and the
// original error is kept for logging.
func FromRPC(err error) *Error {
	if err == nil {
		return nil
	}
	var biz bizStatus
	if !errors.As(err, &biz) {
		return &Error{Code: Unavailable, Message: Unavailable.Message, cause: err}
	}
	code, known := ByBiz(biz.BizStatusCode())
	if !known {
		return New(Internal)
	}
	out := &Error{Code: code, Message: biz.BizMessage()}
	if raw, ok := biz.BizExtra()[detailsKey]; ok {
		_ = json.Unmarshal([]byte(raw), &out.Details) // best effort: details are advisory
	}
	return out
}

// Mapping pairs a domain sentinel error with its catalog code.
type Mapping struct {
	Err  error
	Code Code
}

// ErrDependency marks the failure of a dependency that did not answer (a service's
// database or broker): the request may well succeed once it is back. Drivers wrap it
// into errors whose cause they know to be so (pkg/mq's brokers).
var ErrDependency = errors.New("a dependency is unavailable")

// Outage reports an error of a dependency that did not answer: ErrDependency, a network
// error (a refused, reset or timed-out connection to a database), a connection
// database/sql gave up on, or a MySQL connection that broke once the statement was sent
// (the driver's ErrInvalidConn: it cannot tell whether the statement ran, so nothing
// retries it, and a write may have happened). Translate answers it UNAVAILABLE, which the
// gateway turns into 503 with Retry-After, instead of INTERNAL.
func Outage(err error) bool {
	var ne net.Error
	return errors.Is(err, ErrDependency) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, mysql.ErrInvalidConn) || errors.As(err, &ne)
}

// Translate maps a domain error to a biz-status error using table; catalogued errors
// pass through; a dependency's outage is UNAVAILABLE; anything else is logged by the
// caller and answered as INTERNAL. It returns nil for nil.
func Translate(err error, table []Mapping) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e.ToBiz()
	}
	for _, m := range table {
		if errors.Is(err, m.Err) {
			return Newf(m.Code, "%s", m.Err.Error()).ToBiz()
		}
	}
	if Outage(err) {
		return New(Unavailable).ToBiz()
	}
	return New(Internal).ToBiz()
}

// IsInternal reports whether err is not the domain's answer (Translate answers it
// INTERNAL, or UNAVAILABLE for an outage), so the handler knows to log it.
func IsInternal(err error, table []Mapping) bool {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return false
	}
	for _, m := range table {
		if errors.Is(err, m.Err) {
			return false
		}
	}
	return true
}
