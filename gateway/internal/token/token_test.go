package token

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestIssueThenVerify(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 123_000_000, time.UTC)
	iss := NewIssuer(secret, 15*time.Minute, fixedClock(now))
	raw, err := iss.Issue("user-1", RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	got, err := iss.Verify(raw)
	if err != nil {
		t.Fatalf("verify own token: %v", err)
	}
	if got.UserID != "user-1" || got.Role != RoleAdmin || got.ID == "" ||
		!got.IssuedAt.Equal(now) || !got.ExpiresAt.Equal(now.Add(15*time.Minute).Truncate(time.Second)) {
		t.Fatalf("claims = %+v", got)
	}
	// The token carries the claims clients and services can rely on.
	var claims jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &claims); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"sub", "role", "iat", "exp", "jti", "iss"} {
		if _, ok := claims[k]; !ok {
			t.Errorf("claim %q missing from %v", k, claims)
		}
	}
	if exp, _ := claims.GetExpirationTime(); !exp.Time.Equal(now.Add(15 * time.Minute).Truncate(time.Second)) { // whole seconds
		t.Errorf("exp = %v, want issue time + ttl", exp)
	}
}

func TestVerifyRefuses(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	iss := NewIssuer(secret, 15*time.Minute, fixedClock(now))
	valid := func(mod func(*accessClaims)) accessClaims {
		c := accessClaims{Role: RoleCustomer, RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: "user-1", ID: "jti-1",
			IssuedAt: jwt.NewNumericDate(now.Add(-time.Minute)), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		}}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, key any, c accessClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	hs256 := sign(jwt.SigningMethodHS256, secret, valid(nil))

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", ErrInvalid},
		{"garbled", "not.a.jwt", ErrInvalid},
		{"forged/other_secret", sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), valid(nil)), ErrInvalid},
		{"forged/tampered_payload", tamper(t, hs256), ErrInvalid},
		{"alg/none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid(nil)), ErrInvalid},
		{"alg/hs384_same_secret", sign(jwt.SigningMethodHS384, secret, valid(nil)), ErrInvalid},
		{"alg/rs256", sign(jwt.SigningMethodRS256, rsaKey, valid(nil)), ErrInvalid},
		{"expired", sign(jwt.SigningMethodHS256, secret, valid(func(c *accessClaims) {
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute))
		})), ErrExpired},
		{"expired_and_forged", sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), valid(func(c *accessClaims) {
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute))
		})), ErrInvalid},
		{"no_exp", sign(jwt.SigningMethodHS256, secret, valid(func(c *accessClaims) { c.ExpiresAt = nil })), ErrInvalid},
		{"issued_in_future", sign(jwt.SigningMethodHS256, secret, valid(func(c *accessClaims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour))
		})), ErrInvalid},
		{"other_issuer", sign(jwt.SigningMethodHS256, secret, valid(func(c *accessClaims) { c.Issuer = "someone" })), ErrInvalid},
		{"no_subject", sign(jwt.SigningMethodHS256, secret, valid(func(c *accessClaims) { c.Subject = "" })), ErrInvalid},
		{"unknown_role", sign(jwt.SigningMethodHS256, secret, valid(func(c *accessClaims) { c.Role = "root" })), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := iss.Verify(tt.token)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := iss.Verify(hs256); err != nil {
		t.Fatalf("the untampered control token must verify: %v", err)
	}
}

// tamper promotes the token to admin and keeps the customer token's signature.
func tamper(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	promoted := strings.Replace(string(payload), `"role":"customer"`, `"role":"admin"`, 1)
	if promoted == string(payload) {
		t.Fatalf("payload has no customer role to tamper with: %s", payload)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(promoted))
	return strings.Join(parts, ".")
}
