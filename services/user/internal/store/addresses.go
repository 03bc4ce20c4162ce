package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/services/user/internal/account"
)

type addressRow struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	Recipient  string
	Line1      string `gorm:"column:line1"`
	Line2      string `gorm:"column:line2"`
	City       string
	Region     string
	PostalCode string
	Country    string
	Phone      string
	CreatedAt  db.Time
}

func (addressRow) TableName() string { return "addresses" }

func toRowAddress(a account.Address) addressRow {
	return addressRow{
		ID: a.ID, UserID: a.UserID, Recipient: a.Recipient, Line1: a.Line1, Line2: a.Line2,
		City: a.City, Region: a.Region, PostalCode: a.PostalCode, Country: a.Country,
		Phone: a.Phone, CreatedAt: db.NewTime(a.CreatedAt),
	}
}

func toDomainAddress(r addressRow) account.Address {
	return account.Address{
		ID: r.ID, UserID: r.UserID, Recipient: r.Recipient, Line1: r.Line1, Line2: r.Line2,
		City: r.City, Region: r.Region, PostalCode: r.PostalCode, Country: r.Country,
		Phone: r.Phone, CreatedAt: r.CreatedAt.Time,
	}
}

// AddAddress claims a slot in the owner's address book with a conditional update of the
// counter, so concurrent additions cannot overfill it, then stores the address in the
// same transaction.
func (s *Store) AddAddress(ctx context.Context, a account.Address, max int) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		claim := tx.Model(&userRow{}).
			Where("id = ? AND address_count < ?", a.UserID, max).
			Update("address_count", gorm.Expr("address_count + 1"))
		if claim.Error != nil {
			return claim.Error
		}
		if claim.RowsAffected == 0 {
			return whyNoSlot(tx, a.UserID)
		}
		row := toRowAddress(a)
		return tx.Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("store: add address: %w", err)
	}
	return nil
}

// whyNoSlot tells a full address book from a missing owner.
func whyNoSlot(tx *gorm.DB, userID string) error {
	var n int64
	if err := tx.Model(&userRow{}).Where("id = ?", userID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return account.ErrUserNotFound
	}
	return account.ErrTooManyAddresses
}

func (s *Store) Addresses(ctx context.Context, userID string) ([]account.Address, error) {
	var rows []addressRow
	// ids are UUIDv7, so id breaks ties between addresses created in one microsecond.
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: addresses: %w", err)
	}
	out := make([]account.Address, len(rows))
	for i, r := range rows {
		out[i] = toDomainAddress(r)
	}
	return out, nil
}

func (s *Store) Address(ctx context.Context, userID, id string) (account.Address, error) {
	var row addressRow
	err := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return account.Address{}, fmt.Errorf("store: address: %w", account.ErrAddressNotFound)
	}
	if err != nil {
		return account.Address{}, fmt.Errorf("store: address: %w", err)
	}
	return toDomainAddress(row), nil
}

// DeleteAddress frees the owner's slot in the same transaction as the delete. It
// touches the owner's row first, as AddAddress does, so the two never lock the same rows
// in opposite orders (a deadlock on MySQL); a delete that finds nothing rolls the
// counter back.
func (s *Store) DeleteAddress(ctx context.Context, userID, id string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		release := tx.Model(&userRow{}).Where("id = ? AND address_count > 0", userID).
			Update("address_count", gorm.Expr("address_count - 1"))
		if release.Error != nil {
			return release.Error
		}
		del := tx.Where("id = ? AND user_id = ?", id, userID).Delete(&addressRow{})
		if del.Error != nil {
			return del.Error
		}
		if release.RowsAffected == 0 || del.RowsAffected == 0 {
			return account.ErrAddressNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete address: %w", err)
	}
	return nil
}
