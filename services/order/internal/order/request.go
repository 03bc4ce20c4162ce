package order

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

// Limits of the public API.
const (
	MaxQuantity       = 99
	MaxCarrierLen     = 50  // runes
	MaxTrackingLen    = 100 // runes
	DefaultPageSize   = 20
	MaxPageSize       = 100
	reasonID          = "must be an id"
	reasonSKU         = "must be 3 to 64 upper-case letters, digits or '-', not starting with '-'"
	reasonQuantity    = "must be between 1 and 99"
	reasonKey         = "must be 1 to 64 letters, digits, '_', '.', ':' or '-'"
	reasonRequired    = "is required"
	reasonUnknownEnum = "is not a known status"
)

// LineRequest is one line as the client asked for it.
type LineRequest struct {
	SKU      string
	Quantity int64
}

// CreateRequest places an order, either from lines or from the user's cart.
type CreateRequest struct {
	UserID         string
	IdempotencyKey string
	Lines          []LineRequest
	FromCart       bool
	AddressID      string
}

func (r CreateRequest) validate(maxLines int) error {
	var vs errs.Violations
	if !ids.Valid(r.UserID) {
		vs.Add("user_id", reasonID)
	}
	if !ids.ValidIdempotencyKey(r.IdempotencyKey) {
		vs.Add("idempotency_key", reasonKey)
	}
	switch {
	case r.AddressID == "":
		vs.Add("address_id", reasonRequired)
	case !ids.Valid(r.AddressID):
		vs.Add("address_id", reasonID)
	}
	switch {
	case r.FromCart && len(r.Lines) > 0:
		vs.Add("lines", "give either lines or from_cart, not both")
	case !r.FromCart && len(r.Lines) == 0:
		vs.Add("lines", "give at least one line, or from_cart")
	case len(r.Lines) > maxLines:
		// Each line of an oversized request is not worth a violation of its own.
		vs.Add("lines", fmt.Sprintf("must hold at most %d lines", maxLines))
	default:
		validateLines(r.Lines, &vs)
	}
	return vs.Err()
}

func validateLines(lines []LineRequest, vs *errs.Violations) {
	first := make(map[string]int, len(lines)) // SKU -> index of its first line
	for i, l := range lines {
		field := fmt.Sprintf("lines[%d]", i)
		if !ids.ValidSKU(l.SKU) {
			vs.Add(field+".sku", reasonSKU)
		} else if j, dup := first[l.SKU]; dup {
			vs.Add(field+".sku", fmt.Sprintf("duplicates lines[%d].sku", j))
		} else {
			first[l.SKU] = i
		}
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			vs.Add(field+".quantity", reasonQuantity)
		}
	}
}

// fingerprint identifies the request a key was first used with (ids.Fingerprint), with
// the lines in the order given.
func (r CreateRequest) fingerprint() string {
	type line struct {
		SKU      string `json:"sku"`
		Quantity int64  `json:"quantity"`
	}
	canonical := struct {
		Version   int    `json:"v"`
		Lines     []line `json:"lines"`
		FromCart  bool   `json:"from_cart"`
		AddressID string `json:"address_id"`
	}{Version: 1, Lines: make([]line, len(r.Lines)), FromCart: r.FromCart, AddressID: r.AddressID}
	for i, l := range r.Lines {
		canonical.Lines[i] = line{l.SKU, l.Quantity}
	}
	return ids.Fingerprint(canonical)
}

// ListRequest asks for a page of the user's orders, newest first. An empty UserID lists
// every customer's orders (admin callers), as an empty user id reads any order.
type ListRequest struct {
	UserID    string // "" for every user
	Status    string // "" for every status
	PageSize  int    // 0 for DefaultPageSize
	PageToken string // "" for the first page
}

// listQuery is a validated ListRequest.
type listQuery struct {
	status Status
	size   int
	after  *Cursor
}

func (r ListRequest) validate() (listQuery, error) {
	var vs errs.Violations
	q := listQuery{size: r.PageSize}
	if r.UserID != "" && !ids.Valid(r.UserID) {
		vs.Add("user_id", reasonID)
	}
	if r.Status != "" {
		st, ok := ParseStatus(r.Status)
		if !ok {
			vs.Add("status", reasonUnknownEnum)
		}
		q.status = st
	}
	switch {
	case r.PageSize == 0:
		q.size = DefaultPageSize
	case r.PageSize < 0 || r.PageSize > MaxPageSize:
		vs.Add("page_size", fmt.Sprintf("must be between 1 and %d", MaxPageSize))
	}
	if r.PageToken != "" {
		c, ok := parseCursor(r.PageToken)
		if !ok {
			vs.Add("page_token", "is not a token this service issued")
		}
		q.after = &c
	}
	return q, vs.Err()
}

// Shipment is how a paid order left the warehouse.
type Shipment struct {
	Carrier    string
	TrackingNo string
	ShippedAt  time.Time
}

// NewShipment validates what an admin typed, trimmed of surrounding spaces.
func NewShipment(carrier, trackingNo string, at time.Time) (Shipment, error) {
	s := Shipment{Carrier: strings.TrimSpace(carrier), TrackingNo: strings.TrimSpace(trackingNo), ShippedAt: at}
	var vs errs.Violations
	if n := utf8.RuneCountInString(s.Carrier); n < 1 || n > MaxCarrierLen || !utf8.ValidString(s.Carrier) {
		vs.Add("carrier", fmt.Sprintf("must be 1 to %d characters", MaxCarrierLen))
	}
	if n := utf8.RuneCountInString(s.TrackingNo); n < 1 || n > MaxTrackingLen || !utf8.ValidString(s.TrackingNo) {
		vs.Add("tracking_no", fmt.Sprintf("must be 1 to %d characters", MaxTrackingLen))
	}
	return s, vs.Err()
}

// cartViolations checks the user and the SKU of a cart request.
func cartViolations(userID, sku string) errs.Violations {
	var vs errs.Violations
	if !ids.Valid(userID) {
		vs.Add("user_id", reasonID)
	}
	if !ids.ValidSKU(sku) {
		vs.Add("sku", reasonSKU)
	}
	return vs
}

func validateUserID(userID string) error {
	if !ids.Valid(userID) {
		return errs.Invalid(errs.FieldViolation{Field: "user_id", Reason: reasonID})
	}
	return nil
}
