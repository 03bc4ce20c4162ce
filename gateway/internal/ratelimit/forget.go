package ratelimit

import (
	"context"
	"fmt"
)

// Forgetter is a Limiter that can drop a key's state, so the key starts afresh with a
// full budget. The login defence forgets an account's failed attempts once its owner
// proves the password.
type Forgetter interface {
	Limiter
	Forget(ctx context.Context, key string) error
}

// Forget drops key; a key never seen is forgotten already.
func (m *Memory) Forget(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.entries[key]; ok {
		m.remove(el)
	}
	return nil
}

// Forget deletes key's GCRA state from Redis.
func (r *Redis) Forget(ctx context.Context, key string) error {
	if err := r.limiter.Reset(ctx, r.prefix+key); err != nil {
		return fmt.Errorf("ratelimit: redis: %w", err)
	}
	return nil
}

// Forget passes through to the wrapped limiter when it can forget. While the store is
// failing there is nothing to forget: every request is being admitted anyway.
func (f *FailOpen) Forget(ctx context.Context, key string) error {
	fg, ok := f.next.(Forgetter)
	if !ok || f.failing.Load() {
		return nil
	}
	return fg.Forget(ctx, key)
}
