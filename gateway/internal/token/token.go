// Package token issues and verifies the gateway's JWT access tokens. Only HS256 with the
// gateway's own secret is accepted, so a token cannot choose how it is checked.
package token

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

// Roles an access token may carry.
const (
	RoleCustomer = "customer"
	RoleAdmin    = "admin"
)

// issuer names the gateway in the iss claim, so a token minted by another system with
// the same secret by mistake is still refused.
const issuer = "cartwheel-gateway"

// leeway tolerates clock skew between gateway replicas that issue and verify.
const leeway = 5 * time.Second

var (
	// ErrExpired: the token was genuine but its exp has passed.
	ErrExpired = errors.New("token: expired")
	// ErrInvalid: missing, garbled, forged, wrong algorithm or wrong claims.
	ErrInvalid = errors.New("token: invalid")
)

// Claims is who the caller is, as far as the gateway is concerned, and which token
// said so (for revocation).
type Claims struct {
	UserID    string
	Role      string
	ID        string    // jti: names this token in a revocation list
	IssuedAt  time.Time // to the nanosecond: "log out everywhere" revokes what came before
	ExpiresAt time.Time
}

type accessClaims struct {
	Role string `json:"role"`
	// IssuedAtNs refines iat (whole seconds) so a login just after a "log out
	// everywhere" is not revoked by it. Milliseconds were not enough: a client can
	// log in again within the same millisecond.
	IssuedAtNs int64 `json:"iat_ns,omitempty"`
	jwt.RegisteredClaims
}

// Issuer mints and checks access tokens with one secret and lifetime.
type Issuer struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
	parser *jwt.Parser
}

// NewIssuer returns an Issuer; now is the clock (nil means time.Now).
func NewIssuer(secret []byte, ttl time.Duration, now func() time.Time) *Issuer {
	if now == nil {
		now = time.Now
	}
	return &Issuer{
		secret: secret,
		ttl:    ttl,
		now:    now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithIssuer(issuer),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(now),
		),
	}
}

// TTL is how long an issued token lives.
func (i *Issuer) TTL() time.Duration { return i.ttl }

// Issue mints an access token for the user.
func (i *Issuer) Issue(userID, role string) (string, error) {
	now := i.now()
	claims := accessClaims{
		Role:       role,
		IssuedAtNs: now.UnixNano(),
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   userID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(i.ttl)),
			ID:        ids.New(),
		},
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(i.secret)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	return signed, nil
}

// Verify checks signature, algorithm, issuer and lifetime and returns the claims. The
// signature is checked before the expiry, so a forged expired token is ErrInvalid.
func (i *Issuer) Verify(raw string) (Claims, error) {
	var claims accessClaims
	_, err := i.parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) {
		return i.secret, nil
	})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Claims{}, ErrExpired
	case err != nil:
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	case claims.Subject == "" || (claims.Role != RoleCustomer && claims.Role != RoleAdmin):
		return Claims{}, fmt.Errorf("%w: subject or role missing", ErrInvalid)
	}
	issued := claims.IssuedAt.Time
	if claims.IssuedAtNs != 0 {
		issued = time.Unix(0, claims.IssuedAtNs)
	}
	return Claims{UserID: claims.Subject, Role: claims.Role, ID: claims.ID, IssuedAt: issued, ExpiresAt: claims.ExpiresAt.Time}, nil
}
