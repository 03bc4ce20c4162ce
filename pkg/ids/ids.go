// Package ids makes the opaque identifiers of orders, payments, users and the rest:
// UUIDv7, so ids sort by creation time, which keeps index inserts local.
package ids

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

// MaxIdempotencyKeyLen is the longest idempotency key, in bytes (all ASCII).
const MaxIdempotencyKeyLen = 64

// idempotencyKeyRE admits UUIDs, ULIDs, timestamps and "checkout:<cart>:<n>" schemes,
// and nothing that could smuggle text into logs or storage keys.
var idempotencyKeyRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// ValidIdempotencyKey reports whether s has the shape of a client's idempotency key:
// 1 to 64 ASCII letters, digits, '_', '.', ':' or '-'. The gateway, the order service
// and the product service all use this one rule.
func ValidIdempotencyKey(s string) bool { return idempotencyKeyRE.MatchString(s) }

// Fingerprint identifies the request an idempotency key was first used with: the hex
// SHA-256 of canonical's JSON. canonical must be a struct (so its fields keep their
// order) that carries a version, so the meaning of a stored fingerprint never changes
// silently, and only strings, numbers, booleans and slices of them, which always
// marshal.
func Fingerprint(canonical any) string {
	b, err := json.Marshal(canonical)
	if err != nil {
		panic(fmt.Sprintf("ids: fingerprint: %v", err)) // a programming error: see above
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
