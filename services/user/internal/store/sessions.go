package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/account"
)

type sessionRow struct {
	TokenHash string `gorm:"primaryKey"`
	UserID    string
	CreatedAt db.Time
	ExpiresAt db.Time
	RevokedAt *db.Time
}

func (sessionRow) TableName() string { return "sessions" }

func toRowSession(s account.Session) sessionRow {
	row := sessionRow{
		TokenHash: s.TokenHash,
		UserID:    s.UserID,
		CreatedAt: db.NewTime(s.CreatedAt),
		ExpiresAt: db.NewTime(s.ExpiresAt),
	}
	if s.RevokedAt != nil {
		t := db.NewTime(*s.RevokedAt)
		row.RevokedAt = &t
	}
	return row
}

func toDomainSession(r sessionRow) account.Session {
	s := account.Session{
		TokenHash: r.TokenHash,
		UserID:    r.UserID,
		CreatedAt: r.CreatedAt.Time,
		ExpiresAt: r.ExpiresAt.Time,
	}
	if r.RevokedAt != nil {
		t := r.RevokedAt.Time
		s.RevokedAt = &t
	}
	return s
}

func (s *Store) CreateSession(ctx context.Context, sess account.Session) error {
	row := toRowSession(sess)
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// RotateSession reads the session only to learn its owner and let next apply the
// rules; the conditional update is what makes a token single-use, because a concurrent
// rotation that read the same live row finds it already retired and updates nothing.
func (s *Store) RotateSession(ctx context.Context, tokenHash string, now time.Time, next func(account.Session) (account.Session, error)) (account.Session, error) {
	at := db.NewTime(now)
	var successor account.Session
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row sessionRow
		err := tx.Where("token_hash = ?", tokenHash).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return account.ErrRefreshTokenInvalid
		}
		if err != nil {
			return err
		}
		if successor, err = next(toDomainSession(row)); err != nil {
			return err
		}
		retire := tx.Model(&sessionRow{}).
			Where("token_hash = ? AND revoked_at IS NULL AND expires_at > ?", tokenHash, at).
			Update("revoked_at", at)
		if retire.Error != nil {
			return retire.Error
		}
		if retire.RowsAffected != 1 {
			return account.ErrRefreshTokenInvalid
		}
		successorRow := toRowSession(successor)
		return tx.Create(&successorRow).Error
	})
	if err != nil {
		return account.Session{}, fmt.Errorf("store: rotate session: %w", err)
	}
	return successor, nil
}

func (s *Store) RevokeSession(ctx context.Context, tokenHash string, now time.Time) error {
	gdb := s.db.WithContext(ctx)
	res := gdb.Model(&sessionRow{}).
		Where("token_hash = ? AND revoked_at IS NULL", tokenHash).
		Update("revoked_at", db.NewTime(now))
	if res.Error != nil {
		return fmt.Errorf("store: revoke session: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	// Nothing changed: either revoked before, which is fine, or never issued.
	var n int64
	if err := gdb.Model(&sessionRow{}).Where("token_hash = ?", tokenHash).Count(&n).Error; err != nil {
		return fmt.Errorf("store: revoke session: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: revoke session: %w", account.ErrRefreshTokenInvalid)
	}
	return nil
}

// PurgeSessions deletes up to limit sessions that expired before cutoff, earliest expiry
// first, and reports how many went. Two statements, not a DELETE with a LIMIT inside a
// subquery, which MariaDB does not support; the second repeats the expiry condition, so
// it is safe against a concurrent purge.
func (s *Store) PurgeSessions(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	gdb := s.db.WithContext(ctx)
	var hashes []string
	if err := gdb.Model(&sessionRow{}).
		Where("expires_at < ?", db.NewTime(cutoff)).
		Order("expires_at").Limit(limit).
		Pluck("token_hash", &hashes).Error; err != nil {
		return 0, fmt.Errorf("store: purge sessions: %w", err)
	}
	if len(hashes) == 0 {
		return 0, nil
	}
	res := gdb.Where("token_hash IN ? AND expires_at < ?", hashes, db.NewTime(cutoff)).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("store: purge sessions: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}
