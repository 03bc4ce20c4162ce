package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Taker is a limiter's store that hands out several of a key's tokens at once.
type Taker interface {
	// Take consumes up to n of key's tokens, as many as are available now, and says how
	// many it granted. When it grants none, retryAfter is how long until one would be.
	Take(ctx context.Context, key string, n int) (granted int, retryAfter time.Duration, err error)
}

// decide is the Decision on one request that asked its store for one token.
func decide(granted int, retryAfter time.Duration, err error) (Decision, error) {
	if err != nil {
		return Decision{}, err
	}
	if granted > 0 {
		return Decision{Allowed: true}, nil
	}
	return Decision{RetryAfter: retryAfter}, nil
}

// Lease bounds: a lease is spent within leaseTTL of being taken or forgotten, and holds
// at most 1/leaseShare of the burst (and at most maxLeaseTokens).
const (
	leaseTTL       = 100 * time.Millisecond
	leaseShare     = 16
	maxLeaseTokens = 1024
)

// Leased spends a shared budget (Redis) in leases: it takes a batch of a key's tokens
// in one round trip and admits the key's next requests from the batch in this process,
// until the batch is spent or leaseTTL has passed. A busy key costs one round trip per
// lease instead of one per request; an idle key asks for one token at a time, as
// without leases. A lease grows (doubling) while the key spends it before it expires,
// and shrinks (halving) when it expires unspent, so it follows the key's rate here.
//
// It never admits more than the store grants: every token is taken before it is spent.
// What a lease costs is the other way round: tokens taken and not spent before the
// lease expires are lost, so a key near its limit may be refused up to one lease (at
// most 1/16 of the burst) per replica early. A refusal is remembered until the store's
// RetryAfter (no replica can bring that token sooner), so a key over its budget is
// refused without a round trip until then.
type Leased struct {
	store    Taker
	maxLease int
	maxKeys  int
	now      func() time.Time

	mu      sync.Mutex
	leases  map[string]*lease
	sweptAt time.Time // when keep last looked for expired leases
}

type lease struct {
	left    int       // tokens taken and not yet spent
	size    int       // tokens the next take asks for
	expires time.Time // left is forgotten from then
	refused time.Time // the store has no token for the key before then
	taking  bool      // a new lease is being taken
}

// NewLeased leases the tokens of store, whose limit has burst; it remembers at most
// maxKeys keys. now is the clock (nil means time.Now).
func NewLeased(store Taker, burst, maxKeys int, now func() time.Time) *Leased {
	if now == nil {
		now = time.Now
	}
	return &Leased{
		store:    store,
		maxLease: max(1, min(burst/leaseShare, maxLeaseTokens)),
		maxKeys:  maxKeys,
		now:      now,
		leases:   map[string]*lease{},
	}
}

// Allow admits from key's lease, or takes a new lease from the store; it fails only
// when the store does.
func (l *Leased) Allow(ctx context.Context, key string) (Decision, error) {
	now := l.now()
	l.mu.Lock()
	e := l.leases[key]
	n, renewing := 1, false
	if e != nil && !e.taking {
		switch {
		case e.left > 0 && now.Before(e.expires):
			e.left--
			l.mu.Unlock()
			return Decision{Allowed: true}, nil
		case now.Before(e.refused):
			wait := e.refused.Sub(now)
			l.mu.Unlock()
			return Decision{RetryAfter: wait}, nil
		case e.left == 0 && now.Before(e.expires):
			e.size = min(2*e.size, l.maxLease) // spent before it expired: the key is busier
		case e.left > 0:
			e.size = max(e.size/2, 1) // expired unspent: the key is quieter
		}
		e.left, e.taking = 0, true
		n, renewing = e.size, true
	}
	// Otherwise a new key, or one whose lease another request is renewing: this request
	// asks for its own token, as without leases.
	l.mu.Unlock()

	granted, retryAfter, err := l.store.Take(ctx, key, n)
	l.mu.Lock()
	defer l.mu.Unlock()
	if renewing && l.leases[key] == e {
		e.taking = false
	}
	if err != nil {
		return Decision{}, err
	}
	if e = l.keep(key, now); e != nil {
		if granted == 0 {
			e.refused = now.Add(retryAfter)
		} else {
			e.left += granted - 1
			e.expires = now.Add(leaseTTL)
			e.refused = time.Time{}
		}
	}
	return decide(granted, retryAfter, nil)
}

// keep returns key's lease, new if need be, or nil when maxKeys leases are live.
func (l *Leased) keep(key string, now time.Time) *lease {
	if e := l.leases[key]; e != nil {
		return e
	}
	// A full table is swept at most once per leaseTTL, so a flood of new keys does not
	// make every request walk it; keys past the bound go without a lease meanwhile.
	if len(l.leases) >= l.maxKeys && now.Sub(l.sweptAt) >= leaseTTL {
		l.sweptAt = now
		for k, e := range l.leases {
			if !e.taking && !now.Before(e.expires) && !now.Before(e.refused) {
				delete(l.leases, k)
			}
		}
	}
	if len(l.leases) >= l.maxKeys {
		return nil
	}
	e := &lease{size: 1}
	l.leases[key] = e
	return e
}

// Forget drops key's lease and, when the store can, its state there.
func (l *Leased) Forget(ctx context.Context, key string) error {
	l.mu.Lock()
	delete(l.leases, key)
	l.mu.Unlock()
	if f, ok := l.store.(Forgetter); ok {
		return f.Forget(ctx, key)
	}
	return nil
}
