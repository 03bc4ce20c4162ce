package account

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"
)

// memStore is an in-memory Store with the contract's semantics, so the rules can be
// tested without a database. internal/store's tests hold the SQL one to the same
// contract.
type memStore struct {
	mu        sync.Mutex
	users     map[string]User
	sessions  map[string]Session
	addresses []Address
}

func newMemStore() *memStore {
	return &memStore{users: map[string]User{}, sessions: map[string]Session{}}
}

func (m *memStore) CreateUser(_ context.Context, u User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, other := range m.users {
		if other.Email == u.Email {
			return ErrEmailTaken
		}
	}
	m.users[u.ID] = u
	return nil
}

func (m *memStore) UserByID(_ context.Context, id string) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u, ok := m.users[id]; ok {
		return u, nil
	}
	return User{}, ErrUserNotFound
}

func (m *memStore) UserByEmail(_ context.Context, email string) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range m.users {
		if u.Email == email {
			return u, nil
		}
	}
	return User{}, ErrUserNotFound
}

func (m *memStore) CreateSession(_ context.Context, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.TokenHash] = s
	return nil
}

func (m *memStore) RotateSession(_ context.Context, hash string, now time.Time, next func(Session) (Session, error)) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.sessions[hash]
	if !ok {
		return Session{}, ErrRefreshTokenInvalid
	}
	successor, err := next(old)
	if err != nil {
		return Session{}, err
	}
	if old.RevokedAt != nil || !now.Before(old.ExpiresAt) {
		return Session{}, ErrRefreshTokenInvalid
	}
	if old.RotatedAt == nil {
		old.RotatedAt = &now
	}
	m.sessions[hash] = old
	m.sessions[successor.TokenHash] = successor
	return successor, nil
}

func (m *memStore) RevokeSession(_ context.Context, hash string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[hash]
	if !ok {
		return ErrRefreshTokenInvalid
	}
	for h, other := range m.sessions {
		if other.FamilyID == s.FamilyID && other.RevokedAt == nil {
			other.RevokedAt = &now
			m.sessions[h] = other
		}
	}
	return nil
}

func (m *memStore) RevokeUserSessions(_ context.Context, userID string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, s := range m.sessions {
		if s.UserID == userID && s.RevokedAt == nil {
			s.RevokedAt = &now
			m.sessions[h] = s
		}
	}
	return nil
}

func (m *memStore) PurgeSessions(_ context.Context, cutoff time.Time, limit int) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	expired := slices.SortedFunc(maps.Values(m.sessions), func(a, b Session) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
	n := 0
	for _, s := range expired {
		if n == limit || !s.ExpiresAt.Before(cutoff) {
			break
		}
		delete(m.sessions, s.TokenHash)
		n++
	}
	return n, nil
}

func (m *memStore) AddAddress(_ context.Context, a Address, max int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[a.UserID]; !ok {
		return ErrUserNotFound
	}
	owned := 0
	for _, b := range m.addresses {
		if b.UserID == a.UserID {
			owned++
		}
	}
	if owned >= max {
		return ErrTooManyAddresses
	}
	m.addresses = append(m.addresses, a)
	return nil
}

func (m *memStore) Addresses(_ context.Context, userID string) ([]Address, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Address
	for _, a := range m.addresses {
		if a.UserID == userID {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *memStore) Address(_ context.Context, userID, id string) (Address, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.addresses {
		if a.ID == id && a.UserID == userID {
			return a, nil
		}
	}
	return Address{}, ErrAddressNotFound
}

func (m *memStore) DeleteAddress(_ context.Context, userID, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.addresses, func(a Address) bool { return a.ID == id && a.UserID == userID })
	if i < 0 {
		return ErrAddressNotFound
	}
	m.addresses = slices.Delete(m.addresses, i, i+1)
	return nil
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newTestService is a Service over a memStore with the cheapest bcrypt cost, a refresh
// TTL of one hour and room for two addresses.
func newTestService(t *testing.T) (*Service, *memStore, *clock) {
	t.Helper()
	st := newMemStore()
	clk := &clock{now: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	svc, err := NewService(st, Options{BcryptCost: 4, RefreshTTL: time.Hour, MaxAddresses: 2, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st, clk
}
