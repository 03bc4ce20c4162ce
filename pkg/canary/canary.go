// Package canary routes a call to the canary or the stable instances of a service: the
// gateway decides per request (header or a stable share of users) and puts the decision
// in the context; a Kitex load-balancer wrapper keyed on the instance tag "track" obeys it.
package canary

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// TrackTag is the instance tag (Nacos metadata) that names a release's track, and
// TrackCanary the value that marks a canary. Any other value, or none, is stable.
const (
	TrackTag    = "track"
	TrackCanary = "canary"
	TrackStable = "stable"
)

// Header is the request header that sends a request to canary instances when it is
// HeaderAlways, whatever the user's share.
const (
	Header       = "X-Canary"
	HeaderAlways = "always"
)

type contextKey struct{}

// WithCanary marks calls made with the returned context as canary calls: they go to a
// canary instance of the callee where it has one, and to a stable one otherwise.
func WithCanary(ctx context.Context) context.Context {
	return context.WithValue(ctx, contextKey{}, true)
}

// Chosen reports whether ctx carries the canary decision. A context without one is a
// stable call: a canary is never picked by accident.
func Chosen(ctx context.Context) bool {
	v, _ := ctx.Value(contextKey{}).(bool)
	return v
}

// Bucket places a user in [0, 100): the first 8 bytes of SHA-256 of the id, in steps of
// 0.01. The same id lands in the same bucket in every gateway replica and after every
// restart, so a user stays on one side while the share holds, and a user inside a share
// stays inside when the share grows.
func Bucket(userID string) float64 {
	sum := sha256.Sum256([]byte(userID))
	return float64(binary.BigEndian.Uint64(sum[:8])%10000) / 100
}

// Decide is the gateway's rule: the header value "always" (any case) chooses canary;
// otherwise a known user whose bucket is below share (percent, 0..100) does; nobody
// else does.
func Decide(header, userID string, share float64) bool {
	if strings.EqualFold(header, HeaderAlways) {
		return true
	}
	return userID != "" && Bucket(userID) < share
}

// ValidateShare accepts a percentage in [0, 100].
func ValidateShare(share float64) error {
	if math.IsNaN(share) || share < 0 || share > 100 {
		return fmt.Errorf("canary share %v is outside 0..100", share)
	}
	return nil
}
