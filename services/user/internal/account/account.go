// Package account holds the user service's rules: sign-up and credential policy, login,
// refresh-session rotation and address books. It knows no framework; storage comes in
// through the Store interface.
package account

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Options tunes the rules; the service's Config supplies them.
type Options struct {
	BcryptCost   int           // bcrypt.MinCost..bcrypt.MaxCost
	RefreshTTL   time.Duration // lifetime of each refresh token
	MaxAddresses int           // address book capacity per user
	// HashSlots bounds concurrent bcrypt hashes (0: GOMAXPROCS); a request that waits
	// HashQueueWait (0: two seconds) for a slot is refused with ErrBusy.
	HashSlots     int
	HashQueueWait time.Duration
	Clock         func() time.Time
}

// Service runs the account use cases over a Store.
type Service struct {
	store        Store
	cost         int
	refreshTTL   time.Duration
	maxAddresses int
	clock        func() time.Time

	// dummyHash is compared against when a login names an unknown email, so that an
	// unknown email costs the same bcrypt work as a wrong password and response times
	// do not reveal which emails have accounts.
	dummyHash []byte
	// compare is bcrypt.CompareHashAndPassword; tests replace it to observe that every
	// login attempt pays for exactly one comparison.
	compare func(hash, password []byte) error
	hashing hashSlots
}

// NewService checks opts and prepares the dummy hash at the configured cost.
func NewService(store Store, opts Options) (*Service, error) {
	if store == nil {
		return nil, errors.New("account: nil store")
	}
	if opts.BcryptCost < bcrypt.MinCost || opts.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("account: bcrypt cost %d outside %d..%d", opts.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if opts.RefreshTTL <= 0 || opts.MaxAddresses < 1 {
		return nil, fmt.Errorf("account: refresh TTL %s and max addresses %d must be positive", opts.RefreshTTL, opts.MaxAddresses)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), opts.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("account: dummy hash: %w", err)
	}
	return &Service{
		store:        store,
		cost:         opts.BcryptCost,
		refreshTTL:   opts.RefreshTTL,
		maxAddresses: opts.MaxAddresses,
		clock:        opts.Clock,
		dummyHash:    dummy,
		compare:      bcrypt.CompareHashAndPassword,
		hashing:      newHashSlots(opts.HashSlots, opts.HashQueueWait),
	}, nil
}

// now is the clock in UTC, the zone every stored time is in.
func (s *Service) now() time.Time { return s.clock().UTC() }
