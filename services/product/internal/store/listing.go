package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
)

// orderBy is the ORDER BY of each sort; every one ends in the primary key, so pages
// never overlap or skip rows that tie.
func orderBy(s catalog.Sort) (string, bool) {
	switch s {
	case catalog.SortNewest:
		return "created_at DESC, id DESC", true
	case catalog.SortPriceAsc:
		return "min_price_cents ASC, id ASC", true
	case catalog.SortPriceDesc:
		return "min_price_cents DESC, id ASC", true
	}
	return "", false
}

// ListProducts returns one page of active products and whether more follow.
func (s *Store) ListProducts(ctx context.Context, q catalog.ListQuery) ([]catalog.Listing, bool, error) {
	order, ok := orderBy(q.Sort)
	if !ok {
		return nil, false, fmt.Errorf("store: unknown sort %q", q.Sort)
	}
	tx := s.conn(ctx)
	sel := tx.Where("active = ?", true)
	if q.CategoryID != "" {
		sel = sel.Where("category_id = ?", q.CategoryID)
	}
	if q.Text != "" {
		sel = sel.Where("search_text LIKE ? ESCAPE '!'", "%"+escapeLike(strings.ToLower(q.Text))+"%")
	}
	var rows []productRow
	// One row beyond the page tells whether another page follows.
	if err := sel.Order(order).Limit(q.Limit + 1).Offset(q.Offset).Find(&rows).Error; err != nil {
		return nil, false, fmt.Errorf("store: list products: %w", err)
	}
	more := len(rows) > q.Limit
	if more {
		rows = rows[:q.Limit]
	}
	listings, err := listingsOf(tx, rows)
	if err != nil {
		return nil, false, err
	}
	return listings, more, nil
}

// escapeLike makes the LIKE wildcards in text match literally. The escape character is
// '!' because a backslash means different things in MySQL and SQLite string literals.
func escapeLike(text string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(text)
}
