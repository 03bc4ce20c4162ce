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
	FamilyID  string
	UserID    string
	CreatedAt db.Time
	ExpiresAt db.Time
	RotatedAt *db.Time
	RevokedAt *db.Time
}

func (sessionRow) TableName() string { return "sessions" }

func toRowSession(s account.Session) sessionRow {
	return sessionRow{
		TokenHash: s.TokenHash,
		FamilyID:  s.FamilyID,
		UserID:    s.UserID,
		CreatedAt: db.NewTime(s.CreatedAt),
		ExpiresAt: db.NewTime(s.ExpiresAt),
		RotatedAt: toRowTime(s.RotatedAt),
		RevokedAt: toRowTime(s.RevokedAt),
	}
}

func toRowTime(t *time.Time) *db.Time {
	if t == nil {
		return nil
	}
	r := db.NewTime(*t)
	return &r
}

func toDomainTime(t *db.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := t.Time
	return &d
}

func toDomainSession(r sessionRow) account.Session {
	return account.Session{
		TokenHash: r.TokenHash,
		FamilyID:  r.FamilyID,
		UserID:    r.UserID,
		CreatedAt: r.CreatedAt.Time,
		ExpiresAt: r.ExpiresAt.Time,
		RotatedAt: toDomainTime(r.RotatedAt),
		RevokedAt: toDomainTime(r.RevokedAt),
	}
}

func (s *Store) CreateSession(ctx context.Context, sess account.Session) error {
	row := toRowSession(sess)
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// RotateSession reads the session to let next apply the rules (reuse is next's call);
// the conditional update makes a concurrent logout or expiry win, since the row it
// changed no longer matches. Two concurrent rotations of one token may both succeed:
// they happen within the reuse grace by definition.
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
		live := tx.Model(&sessionRow{}).Where("token_hash = ? AND revoked_at IS NULL AND expires_at > ?", tokenHash, at)
		retire := live.Session(&gorm.Session{}).Update("rotated_at", gorm.Expr("COALESCE(rotated_at, ?)", at))
		if retire.Error != nil {
			return retire.Error
		}
		if retire.RowsAffected != 1 {
			// MySQL counts changed rows, and a second rotation within the grace changes
			// nothing: ask whether the session is still live instead.
			var n int64
			if err := live.Session(&gorm.Session{}).Count(&n).Error; err != nil {
				return err
			}
			if n != 1 {
				return account.ErrRefreshTokenInvalid
			}
		}
		successorRow := toRowSession(successor)
		return tx.Create(&successorRow).Error
	})
	if err != nil {
		return account.Session{}, fmt.Errorf("store: rotate session: %w", err)
	}
	return successor, nil
}

// RevokeSession revokes the family of tokenHash in one statement per step: find the
// family, then revoke its live rows (a successor created in between is caught by the
// family id, whenever it commits).
func (s *Store) RevokeSession(ctx context.Context, tokenHash string, now time.Time) error {
	gdb := s.db.WithContext(ctx)
	var row sessionRow
	err := gdb.Select("family_id").Where("token_hash = ?", tokenHash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("store: revoke session: %w", account.ErrRefreshTokenInvalid)
	}
	if err != nil {
		return fmt.Errorf("store: revoke session: %w", err)
	}
	if err := gdb.Model(&sessionRow{}).
		Where("family_id = ? AND revoked_at IS NULL", row.FamilyID).
		Update("revoked_at", db.NewTime(now)).Error; err != nil {
		return fmt.Errorf("store: revoke session: %w", err)
	}
	return nil
}

// RevokeUserSessions revokes every live session of userID.
func (s *Store) RevokeUserSessions(ctx context.Context, userID string, now time.Time) error {
	if err := s.db.WithContext(ctx).Model(&sessionRow{}).
		Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", db.NewTime(now)).Error; err != nil {
		return fmt.Errorf("store: revoke user sessions: %w", err)
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
