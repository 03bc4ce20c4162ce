package account

import (
	"context"
	"time"
)

// Store is the persistence the account rules need; internal/store implements it with
// GORM. Methods report absence and conflicts with this package's sentinel errors.
type Store interface {
	UserStore
	SessionStore
	AddressStore
}

// UserStore keeps accounts.
type UserStore interface {
	// CreateUser inserts u; ErrEmailTaken when its email is already registered.
	CreateUser(ctx context.Context, u User) error
	// UserByID: ErrUserNotFound when absent.
	UserByID(ctx context.Context, id string) (User, error)
	// UserByEmail looks up a normalised email; ErrUserNotFound when absent.
	UserByEmail(ctx context.Context, email string) (User, error)
}

// SessionStore keeps refresh sessions, identified by the SHA-256 of their token.
type SessionStore interface {
	CreateSession(ctx context.Context, s Session) error
	// RotateSession atomically marks the session with tokenHash rotated (keeping the
	// first rotation time) and stores the successor that next builds from the session
	// as stored; next's error is returned and nothing changes. A session revoked or
	// expired at now by the time of the write, or an unknown hash, is
	// ErrRefreshTokenInvalid, so a concurrent logout wins over a rotation.
	RotateSession(ctx context.Context, tokenHash string, now time.Time, next func(old Session) (Session, error)) (Session, error)
	// RevokeSession revokes every session of the family of the session with tokenHash;
	// revoking a revoked or expired one succeeds, an unknown hash is
	// ErrRefreshTokenInvalid.
	RevokeSession(ctx context.Context, tokenHash string, now time.Time) error
	// RevokeUserSessions revokes every live session of the user.
	RevokeUserSessions(ctx context.Context, userID string, now time.Time) error
	// PurgeSessions deletes up to limit sessions that expired before cutoff, earliest
	// first, and reports how many it deleted.
	PurgeSessions(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// AddressStore keeps address books. Every read and delete is scoped by owner, so
// another user's address is indistinguishable from a missing one.
type AddressStore interface {
	// AddAddress stores a unless its owner already has max addresses
	// (ErrTooManyAddresses) or does not exist (ErrUserNotFound).
	AddAddress(ctx context.Context, a Address, max int) error
	// Addresses lists the owner's addresses, oldest first.
	Addresses(ctx context.Context, userID string) ([]Address, error)
	// Address: ErrAddressNotFound when absent or not userID's.
	Address(ctx context.Context, userID, id string) (Address, error)
	// DeleteAddress: ErrAddressNotFound when absent or not userID's.
	DeleteAddress(ctx context.Context, userID, id string) error
}
