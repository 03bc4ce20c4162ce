package gateway

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
)

// revocations end access tokens before their expiry: one token on logout (by its
// jti), every token of a user issued before "log out everywhere". An entry lives only
// as long as the tokens it revokes could, so the list stays as small as the number of
// logouts within one access-token lifetime. It lives on the rate-limit driver: in
// process for one gateway, in Redis for a fleet.
type revocations interface {
	revokeToken(ctx context.Context, c token.Claims) error
	revokeUser(ctx context.Context, userID string, at time.Time) error
	revoked(ctx context.Context, c token.Claims) (bool, error)
}

// memoryRevocations serves a single gateway.
type memoryRevocations struct {
	ttl time.Duration // access tokens' lifetime
	now func() time.Time

	mu     sync.Mutex
	tokens map[string]time.Time // jti -> when the token expires anyway
	users  map[string]time.Time // user id -> tokens issued before this are revoked
}

func newMemoryRevocations(ttl time.Duration) *memoryRevocations {
	return &memoryRevocations{ttl: ttl, now: time.Now, tokens: map[string]time.Time{}, users: map[string]time.Time{}}
}

func (m *memoryRevocations) revokeToken(_ context.Context, c token.Claims) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prune()
	m.tokens[c.ID] = c.ExpiresAt
	return nil
}

func (m *memoryRevocations) revokeUser(_ context.Context, userID string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prune()
	m.users[userID] = at
	return nil
}

func (m *memoryRevocations) revoked(_ context.Context, c token.Claims) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, byID := m.tokens[c.ID]
	before, byUser := m.users[c.UserID]
	return byID || byUser && !c.IssuedAt.After(before), nil
}

// prune drops entries no live token can match any more.
func (m *memoryRevocations) prune() {
	now := m.now()
	for id, exp := range m.tokens {
		if now.After(exp) {
			delete(m.tokens, id)
		}
	}
	for id, at := range m.users {
		if now.Sub(at) > m.ttl {
			delete(m.users, id)
		}
	}
}

// redisRevocations share the list among a fleet of gateways; Redis expires entries.
type redisRevocations struct {
	client redis.UniversalClient
	prefix string
	ttl    time.Duration
}

func (r *redisRevocations) revokeToken(ctx context.Context, c token.Claims) error {
	ttl := time.Until(c.ExpiresAt) + time.Minute // the verifier's clock-skew leeway, and more
	if err := r.client.Set(ctx, r.prefix+"revoked:jti:"+c.ID, "1", ttl).Err(); err != nil {
		return fmt.Errorf("revocations: %w", err)
	}
	return nil
}

func (r *redisRevocations) revokeUser(ctx context.Context, userID string, at time.Time) error {
	if err := r.client.Set(ctx, r.prefix+"revoked:user:"+userID, at.UnixNano(), r.ttl+time.Minute).Err(); err != nil {
		return fmt.Errorf("revocations: %w", err)
	}
	return nil
}

func (r *redisRevocations) revoked(ctx context.Context, c token.Claims) (bool, error) {
	vals, err := r.client.MGet(ctx, r.prefix+"revoked:jti:"+c.ID, r.prefix+"revoked:user:"+c.UserID).Result()
	if err != nil {
		return false, fmt.Errorf("revocations: %w", err)
	}
	if vals[0] != nil {
		return true, nil
	}
	if s, ok := vals[1].(string); ok {
		ns, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return false, fmt.Errorf("revocations: user entry %q: %w", s, err)
		}
		return !c.IssuedAt.After(time.Unix(0, ns)), nil
	}
	return false, nil
}
