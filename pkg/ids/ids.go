// Package ids makes the opaque identifiers of orders, payments, users and the rest:
// UUIDv7, so ids sort by creation time, which keeps index inserts local.
package ids

import (
	"regexp"

	"github.com/google/uuid"
)

// New returns a fresh id.
func New() string { return uuid.Must(uuid.NewV7()).String() }

// Valid reports whether s has the shape of an id, so handlers reject garbage early.
func Valid(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// skuRE is the shape of a SKU code: what a catalog editor types, safe in a URL path.
var skuRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{2,63}$`)

// ValidSKU reports whether s has the shape of a SKU code. The gateway, the product
// service and the order service all use this one rule.
func ValidSKU(s string) bool { return skuRE.MatchString(s) }
