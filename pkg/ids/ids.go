// Package ids makes the opaque identifiers of orders, payments, users and the rest:
// UUIDv7, so ids sort by creation time, which keeps index inserts local.
package ids

import "github.com/google/uuid"

// New returns a fresh id.
func New() string { return uuid.Must(uuid.NewV7()).String() }

// Valid reports whether s has the shape of an id, so handlers reject garbage early.
func Valid(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
