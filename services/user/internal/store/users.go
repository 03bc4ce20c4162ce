package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/account"
)

type userRow struct {
	ID           string `gorm:"primaryKey"`
	Email        string
	Name         string
	Role         string
	PasswordHash string
	AddressCount int64
	CreatedAt    db.Time
}

func (userRow) TableName() string { return "users" }

func toRowUser(u account.User) userRow {
	return userRow{
		ID:           u.ID,
		Email:        u.Email,
		Name:         u.Name,
		Role:         string(u.Role),
		PasswordHash: string(u.PasswordHash),
		CreatedAt:    db.NewTime(u.CreatedAt),
	}
}

func toDomainUser(r userRow) account.User {
	return account.User{
		ID:           r.ID,
		Email:        r.Email,
		Name:         r.Name,
		Role:         account.Role(r.Role),
		PasswordHash: []byte(r.PasswordHash),
		CreatedAt:    r.CreatedAt.Time,
	}
}

// CreateUser relies on the unique index on email rather than a prior lookup, so two
// concurrent sign-ups with one email cannot both succeed.
func (s *Store) CreateUser(ctx context.Context, u account.User) error {
	row := toRowUser(u)
	err := s.db.WithContext(ctx).Create(&row).Error
	if db.IsDuplicate(err) {
		return fmt.Errorf("store: create user: %w", account.ErrEmailTaken)
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

func (s *Store) UserByID(ctx context.Context, id string) (account.User, error) {
	return s.userWhere(ctx, "id = ?", id)
}

func (s *Store) UserByEmail(ctx context.Context, email string) (account.User, error) {
	return s.userWhere(ctx, "email = ?", email)
}

func (s *Store) userWhere(ctx context.Context, query string, arg string) (account.User, error) {
	var row userRow
	err := s.db.WithContext(ctx).Where(query, arg).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return account.User{}, fmt.Errorf("store: user: %w", account.ErrUserNotFound)
	}
	if err != nil {
		return account.User{}, fmt.Errorf("store: user: %w", err)
	}
	return toDomainUser(row), nil
}
