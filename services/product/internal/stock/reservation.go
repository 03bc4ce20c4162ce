package stock

import (
	"errors"
	"maps"
	"slices"
	"unicode/utf8"
)

// ErrBadOrderID: a message whose order id is missing or too long for the stored
// decision cannot be answered.
var ErrBadOrderID = errors.New("order id is missing or longer than 64 characters")

const (
	// MaxLineQuantity bounds one line of an order; anything above is a malformed message.
	MaxLineQuantity = 1_000_000
	// MaxKeyLen is the longest order id or SKU code the stock tables store.
	MaxKeyLen = 64
)

// ValidOrderID reports whether id can be stored as an order's key.
func ValidOrderID(id string) bool {
	n := utf8.RuneCountInString(id)
	return n > 0 && n <= MaxKeyLen
}

// Rejection reasons. They are the error-catalog codes (pkg/errs) the order service can
// show for them.
const (
	ReasonUnknownSKU   = "SKU_NOT_FOUND"
	ReasonNotForSale   = "SKU_UNAVAILABLE"
	ReasonInsufficient = "STOCK_INSUFFICIENT"
	ReasonInvalidLine  = "INVALID_ARGUMENT"
	ReasonCancelled    = "ORDER_CANCELLED"
)

// Line is one SKU and quantity of an order.
type Line struct {
	SKU      string
	Quantity int64
}

// Order is what an order asks the stock for: its lines merged by SKU and sorted by
// SKU, the order in which every transaction locks stock rows, so that two orders never
// wait on each other's locks in a cycle.
type Order struct {
	id        string
	lines     []Line
	malformed *Line // the first line that can never be reserved, if any
}

// NewOrder merges lines by SKU. Only a bad id is an error: any other defect makes the
// order rejected, which the order service needs to hear about.
func NewOrder(id string, lines []Line) (Order, error) {
	if !ValidOrderID(id) {
		return Order{}, ErrBadOrderID
	}
	o := Order{id: id}
	merged := map[string]int64{}
	for _, l := range lines {
		n := utf8.RuneCountInString(l.SKU)
		if n == 0 || n > MaxKeyLen || l.Quantity < 1 || l.Quantity > MaxLineQuantity {
			if o.malformed == nil {
				// Named in the rejection, so cut to what the decision row can hold.
				bad := Line{SKU: string([]rune(l.SKU)[:min(n, MaxKeyLen)]), Quantity: l.Quantity}
				o.malformed = &bad
			}
			continue
		}
		merged[l.SKU] += l.Quantity // at most 1e6 per line, so no overflow in any real order
	}
	for _, sku := range slices.Sorted(maps.Keys(merged)) {
		o.lines = append(o.lines, Line{SKU: sku, Quantity: merged[sku]})
	}
	return o, nil
}

func (o Order) ID() string { return o.id }

// Lines returns the merged lines in SKU order.
func (o Order) Lines() []Line { return slices.Clone(o.lines) }

// SKUs returns the order's SKUs in lock order.
func (o Order) SKUs() []string {
	out := make([]string, len(o.lines))
	for i, l := range o.lines {
		out[i] = l.SKU
	}
	return out
}

// Availability is what one SKU can sell right now.
type Availability struct {
	Available int64
	ForSale   bool // the SKU and its product are active
}

// Outcome is what was decided for an order's stock.
type Outcome string

const (
	Reserved Outcome = "reserved" // every line is reserved
	Rejected Outcome = "rejected" // nothing is reserved; SKU and Reason say why
	// Voided: the order was cancelled before its stock was decided; nothing is
	// reserved and no outcome is announced.
	Voided Outcome = "void"
)

// Decision is the outcome for one order. It is comparable, so a prediction can be
// checked against the decision taken under lock.
type Decision struct {
	OrderID string
	Outcome Outcome
	SKU     string // the first line that could not be reserved (Rejected)
	Reason  string // one of the Reason constants (Rejected, Voided)
}

func (d Decision) String() string {
	if d.Outcome == Reserved {
		return string(d.Outcome)
	}
	return string(d.Outcome) + "(" + d.SKU + " " + d.Reason + ")"
}

// Void is the decision recorded for an order cancelled before its stock was decided.
func Void(orderID string) Decision {
	return Decision{OrderID: orderID, Outcome: Voided, Reason: ReasonCancelled}
}

// Decide reserves every line or nothing: the order is rejected, naming the first line
// in SKU order that is malformed, unknown, not for sale or short of stock.
func (o Order) Decide(stock map[string]Availability) Decision {
	reject := func(sku, reason string) Decision {
		return Decision{OrderID: o.id, Outcome: Rejected, SKU: sku, Reason: reason}
	}
	if o.malformed != nil {
		return reject(o.malformed.SKU, ReasonInvalidLine)
	}
	if len(o.lines) == 0 {
		return reject("", ReasonInvalidLine)
	}
	for _, l := range o.lines {
		a, known := stock[l.SKU]
		switch {
		case !known:
			return reject(l.SKU, ReasonUnknownSKU)
		case !a.ForSale:
			return reject(l.SKU, ReasonNotForSale)
		case a.Available < l.Quantity:
			return reject(l.SKU, ReasonInsufficient)
		}
	}
	return Decision{OrderID: o.id, Outcome: Reserved}
}

// Reserve returns the reservations of a reserved order and the movements that hold
// their stock.
func (o Order) Reserve() ([]*Reservation, []Movement) {
	rs := make([]*Reservation, len(o.lines))
	ms := make([]Movement, len(o.lines))
	for i, l := range o.lines {
		rs[i] = &Reservation{orderID: o.id, sku: l.SKU, quantity: l.Quantity, state: Active}
		ms[i] = Movement{SKU: l.SKU, Available: -l.Quantity, Reserved: l.Quantity}
	}
	return rs, ms
}

// State is where a reservation is in its life: active, then sold or released, for good.
type State string

const (
	Active   State = "active"
	Sold     State = "sold"
	Released State = "released"
)

// Reservation is stock of one SKU held for one order.
type Reservation struct {
	orderID  string
	sku      string
	quantity int64
	state    State
}

// RestoreReservation rebuilds a stored reservation.
func RestoreReservation(orderID, sku string, quantity int64, state State) *Reservation {
	return &Reservation{orderID: orderID, sku: sku, quantity: quantity, state: state}
}

func (r *Reservation) OrderID() string { return r.orderID }
func (r *Reservation) SKU() string     { return r.sku }
func (r *Reservation) Quantity() int64 { return r.quantity }
func (r *Reservation) State() State    { return r.state }

// Sell turns the held stock into a sale.
func (r *Reservation) Sell() (Movement, error) {
	if r.state != Active {
		return Movement{}, ErrReservationClosed
	}
	r.state = Sold
	return Movement{SKU: r.sku, Reserved: -r.quantity, Sold: r.quantity}, nil
}

// Release returns the held stock to available.
func (r *Reservation) Release() (Movement, error) {
	if r.state != Active {
		return Movement{}, ErrReservationClosed
	}
	r.state = Released
	return Movement{SKU: r.sku, Reserved: -r.quantity, Available: r.quantity}, nil
}
