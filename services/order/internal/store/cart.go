package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

// CartItems implements order.Storer.
func (s *Store) CartItems(ctx context.Context, userID string) ([]order.CartItem, error) {
	var rows []cartItemRow
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, sku").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: cart items: %w", err)
	}
	items := make([]order.CartItem, len(rows))
	for i, r := range rows {
		items[i] = toDomainCartItem(r)
	}
	return items, nil
}

// SetCartItem implements order.Storer. A new line takes a slot from the cart's
// line_count with a conditional update, which serialises concurrent adds to one cart on
// both engines; two requests adding the same new SKU at once meet on the primary key,
// and the loser retries as an update.
func (s *Store) SetCartItem(ctx context.Context, userID string, item order.CartItem, maxLines int) error {
	for range maxUpdateAttempts {
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return setCartItem(tx, userID, item, maxLines)
		})
		if !errors.Is(err, errLostRace) {
			return err
		}
	}
	return fmt.Errorf("store: cart of %s kept changing", userID)
}

func setCartItem(tx *gorm.DB, userID string, item order.CartItem, maxLines int) error {
	at := db.NewTime(item.AddedAt)
	var present int64
	if err := tx.Model(&cartItemRow{}).Where("user_id = ? AND sku = ?", userID, item.SKU).Count(&present).Error; err != nil {
		return fmt.Errorf("store: cart item: %w", err)
	}
	if present > 0 {
		err := tx.Table("cart_items").Where("user_id = ? AND sku = ?", userID, item.SKU).
			Updates(map[string]any{"quantity": item.Quantity, "updated_at": at}).Error
		if err != nil {
			return fmt.Errorf("store: update cart item: %w", err)
		}
		return nil
	}
	err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&cartRow{UserID: userID}).Error
	if err != nil {
		return fmt.Errorf("store: create cart: %w", err)
	}
	res := tx.Table("carts").Where("user_id = ? AND line_count < ?", userID, maxLines).
		Update("line_count", gorm.Expr("line_count + 1"))
	if res.Error != nil {
		return fmt.Errorf("store: count cart line: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return order.ErrCartFull
	}
	err = tx.Create(&cartItemRow{UserID: userID, SKU: item.SKU, Quantity: item.Quantity, CreatedAt: at, UpdatedAt: at}).Error
	if db.IsDuplicate(err) {
		return errLostRace
	}
	if err != nil {
		return fmt.Errorf("store: insert cart item: %w", err)
	}
	return nil
}

// RemoveCartItem implements order.Storer.
func (s *Store) RemoveCartItem(ctx context.Context, userID, sku string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return removeCartItems(tx, userID, []string{sku})
	})
}

// removeCartItems deletes the user's lines for skus and gives their slots back.
func removeCartItems(tx *gorm.DB, userID string, skus []string) error {
	res := tx.Where("user_id = ? AND sku IN ?", userID, skus).Delete(&cartItemRow{})
	if res.Error != nil {
		return fmt.Errorf("store: delete cart items: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	err := tx.Table("carts").Where("user_id = ?", userID).
		Update("line_count", gorm.Expr("line_count - ?", res.RowsAffected)).Error
	if err != nil {
		return fmt.Errorf("store: uncount cart lines: %w", err)
	}
	return nil
}
