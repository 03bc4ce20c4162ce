package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

const tokenBytes = 32

// ReuseGrace is how long after a refresh token was rotated it may still be rotated
// again: two tabs of one browser that refresh at the same moment both carry on. Past
// it, presenting a rotated token means a copy is in other hands, and the whole family
// is revoked.
const ReuseGrace = 10 * time.Second

// Session is a stored refresh token. Every token rotated from one login shares its
// FamilyID; logging out revokes the family. Only the token's hash is kept, so a leaked
// database does not hand out live sessions.
type Session struct {
	TokenHash string
	FamilyID  string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	RotatedAt *time.Time // first time it was exchanged for a successor
	RevokedAt *time.Time // logged out, or its family revoked
}

// usable reports whether the session may still be rotated at now.
func (s Session) usable(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}

// reused reports whether presenting the session at now is a replay of a token that
// was exchanged longer than ReuseGrace ago.
func (s Session) reused(now time.Time) bool {
	return s.RotatedAt != nil && now.Sub(*s.RotatedAt) > ReuseGrace
}

// IssuedSession is what the client receives: the token in clear, shown only this once.
type IssuedSession struct {
	Token     string
	ExpiresAt time.Time
}

// newToken returns a fresh random token and its hash.
func newToken() (token, hash string) {
	b := make([]byte, tokenBytes)
	rand.Read(b) // crypto/rand.Read never fails: it aborts the program if the OS cannot supply randomness
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a refresh token: hex SHA-256. A plain hash suffices
// (no salt, no bcrypt) because the token is 256 random bits, not a guessable secret.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormed rejects what newToken could not have made, before touching the database.
func wellFormed(token string) bool {
	b, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && len(b) == tokenBytes
}

// Login checks the credentials and opens a refresh session. A wrong email and a wrong
// password give the same error after the same bcrypt work.
func (s *Service) Login(ctx context.Context, email, password string) (User, IssuedSession, error) {
	var v errs.Violations
	email = NormaliseEmail(email)
	if email == "" {
		v.Add("email", "is required")
	}
	if password == "" {
		v.Add("password", "is required")
	}
	if err := v.Err(); err != nil {
		return User{}, IssuedSession{}, err
	}
	u, err := s.store.UserByEmail(ctx, email)
	found := err == nil
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return User{}, IssuedSession{}, err
	}
	hash := s.dummyHash
	if found {
		hash = u.PasswordHash
	}
	// The comparison runs even when the answer is already known to be no.
	var match bool
	if err := s.hashing.do(ctx, func() { match = s.compare(hash, passwordKey(password)) == nil }); err != nil {
		return User{}, IssuedSession{}, err
	}
	if !found || !match {
		return User{}, IssuedSession{}, ErrInvalidCredentials
	}
	issued, err := s.openSession(ctx, u.ID)
	return u, issued, err
}

func (s *Service) openSession(ctx context.Context, userID string) (IssuedSession, error) {
	token, hash := newToken()
	now := s.now()
	sess := Session{TokenHash: hash, FamilyID: ids.New(), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return IssuedSession{}, err
	}
	return IssuedSession{Token: token, ExpiresAt: sess.ExpiresAt}, nil
}

// Refresh retires the presented token and issues its successor in the same family,
// valid for a full TTL from now. A token works once (within ReuseGrace, twice): reusing
// it later revokes its whole family, the successors included, because one of the two
// holders is not the user. An expired or revoked token is ErrRefreshTokenInvalid.
func (s *Service) Refresh(ctx context.Context, token string) (User, IssuedSession, error) {
	if err := requireToken(token); err != nil {
		return User{}, IssuedSession{}, err
	}
	nextToken, nextHash := newToken()
	now := s.now()
	hash := HashToken(token)
	reused := false
	sess, err := s.store.RotateSession(ctx, hash, now, func(old Session) (Session, error) {
		if !old.usable(now) {
			return Session{}, ErrRefreshTokenInvalid
		}
		if old.reused(now) {
			reused = true
			return Session{}, ErrRefreshTokenInvalid
		}
		return Session{TokenHash: nextHash, FamilyID: old.FamilyID, UserID: old.UserID, CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL)}, nil
	})
	if reused {
		if rerr := s.store.RevokeSession(ctx, hash, now); rerr != nil {
			return User{}, IssuedSession{}, fmt.Errorf("revoke the family of a reused refresh token: %w", rerr)
		}
	}
	if err != nil {
		return User{}, IssuedSession{}, err
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if err != nil {
		return User{}, IssuedSession{}, err
	}
	return u, IssuedSession{Token: nextToken, ExpiresAt: sess.ExpiresAt}, nil
}

// Logout revokes the family of token: the login it came from, whichever of its
// rotations the client holds. Logging out twice succeeds, so a client that retries
// after a lost answer is not told it failed.
func (s *Service) Logout(ctx context.Context, token string) error {
	if err := requireToken(token); err != nil {
		return err
	}
	return s.store.RevokeSession(ctx, HashToken(token), s.now())
}

// LogoutAll revokes every refresh session of the user ("log out everywhere"); the
// gateway revokes the access tokens. An unknown user has nothing to revoke.
func (s *Service) LogoutAll(ctx context.Context, userID string) error {
	if !ids.Valid(userID) {
		return ErrUserNotFound
	}
	return s.store.RevokeUserSessions(ctx, userID, s.now())
}

// requireToken: a missing token is a malformed request; a present but impossible one
// is simply not a valid token.
func requireToken(token string) error {
	if token == "" {
		return errs.Invalid(errs.FieldViolation{Field: "refresh_token", Reason: "is required"})
	}
	if !wellFormed(token) {
		return ErrRefreshTokenInvalid
	}
	return nil
}

// PurgeSessions deletes the sessions that expired more than retention ago, batch rows
// per statement so no single delete holds locks for long, and reports how many went.
// A session past its expiry is useless either way; retention keeps it a while for
// logout, which succeeds on an expired session but not on an unknown one.
func (s *Service) PurgeSessions(ctx context.Context, retention time.Duration, batch int) (int, error) {
	if retention < 0 || batch < 1 {
		return 0, fmt.Errorf("account: purge sessions: retention %s must not be negative and batch %d positive", retention, batch)
	}
	cutoff := s.now().Add(-retention)
	total := 0
	for {
		n, err := s.store.PurgeSessions(ctx, cutoff, batch)
		total += n
		if err != nil {
			return total, err
		}
		if n < batch {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}
