package cache

import (
	"container/list"
	"context"
	"slices"
	"sync"
	"time"
)

// entryOverhead approximates what an entry costs beyond its key and value (the list
// element, the map slot, the struct), so many tiny entries cannot exceed the budget.
const entryOverhead = 128

// Memory is the in-process driver: entries in least-recently-used order under a byte
// budget, expired lazily when met. It serves one process; replicas that must see each
// other's invalidations share Redis instead.
type Memory struct {
	maxBytes int64
	now      func() time.Time

	mu      sync.Mutex
	entries map[string]*list.Element
	lru     *list.List // front = most recently used
	bytes   int64
}

type memoryEntry struct {
	key     string
	value   []byte
	kind    kind
	expires time.Time
}

// kind tells values, not-found markers and holds apart; the Redis driver stores it as
// the first byte of the value.
type kind byte

const (
	kindValue    kind = 'v'
	kindNotFound kind = 'n'
	kindHold     kind = 'h'
)

func kindOf(e Entry) kind {
	if e.NotFound {
		return kindNotFound
	}
	return kindValue
}

func (e *memoryEntry) size() int64 { return int64(len(e.key)+len(e.value)) + entryOverhead }

// NewMemory keeps at most maxBytes of keys, values and bookkeeping, evicting the least
// recently used entries beyond it. now is the clock (nil means time.Now).
func NewMemory(maxBytes int64, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{maxBytes: maxBytes, now: now, entries: map[string]*list.Element{}, lru: list.New()}
}

// Get returns a copy of the entry, so callers cannot change what others read.
func (m *Memory) Get(ctx context.Context, key string) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.live(key)
	if e == nil || e.kind == kindHold {
		return Entry{}, ErrMiss
	}
	m.lru.MoveToFront(m.entries[key])
	if e.kind == kindNotFound {
		return Entry{NotFound: true}, nil
	}
	return Entry{Value: slices.Clone(e.value)}, nil
}

// Set stores a copy of e's value, so the caller may reuse its slice.
func (m *Memory) Set(ctx context.Context, key string, e Entry, ttl time.Duration) error {
	return m.store(ctx, key, kindOf(e), e.Value, ttl)
}

// Add stores e unless the key holds something that has not expired.
func (m *Memory) Add(ctx context.Context, key string, e Entry, ttl time.Duration) (bool, error) {
	if err := m.check(ctx, key, e.Value, ttl); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live(key) != nil {
		return false, nil
	}
	m.put(key, kindOf(e), e.Value, ttl)
	return true, nil
}

// Hold replaces the key's entry with a hold.
func (m *Memory) Hold(ctx context.Context, key string, ttl time.Duration) error {
	return m.store(ctx, key, kindHold, nil, ttl)
}

// Delete removes the key's entry.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.entries[key]; ok {
		m.remove(el)
	}
	return nil
}

// Len is the number of entries kept, expired ones not yet met included.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Len()
}

func (m *Memory) store(ctx context.Context, key string, k kind, value []byte, ttl time.Duration) error {
	if err := m.check(ctx, key, value, ttl); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(key, k, value, ttl)
	return nil
}

func (m *Memory) check(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkTTL(ttl); err != nil {
		return err
	}
	if (&memoryEntry{key: key, value: value}).size() > m.maxBytes {
		return ErrTooLarge
	}
	return nil
}

// live returns the key's unexpired entry, dropping an expired one.
func (m *Memory) live(key string) *memoryEntry {
	el, ok := m.entries[key]
	if !ok {
		return nil
	}
	e := el.Value.(*memoryEntry)
	if !m.now().Before(e.expires) {
		m.remove(el)
		return nil
	}
	return e
}

// put replaces the key's entry and evicts from the cold end until the budget holds.
func (m *Memory) put(key string, k kind, value []byte, ttl time.Duration) {
	if el, ok := m.entries[key]; ok {
		m.remove(el)
	}
	e := &memoryEntry{key: key, value: slices.Clone(value), kind: k, expires: m.now().Add(ttl)}
	m.entries[key] = m.lru.PushFront(e)
	m.bytes += e.size()
	for m.bytes > m.maxBytes {
		m.remove(m.lru.Back())
	}
}

func (m *Memory) remove(el *list.Element) {
	e := el.Value.(*memoryEntry)
	delete(m.entries, e.key)
	m.lru.Remove(el)
	m.bytes -= e.size()
}
