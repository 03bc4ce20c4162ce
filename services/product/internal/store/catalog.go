package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/money"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
)

var _ catalog.Store = (*Store)(nil)

// Categories lists every category by name.
func (s *Store) Categories(ctx context.Context) ([]catalog.Category, error) {
	var rows []categoryRow
	if err := s.conn(ctx).Order("name, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: categories: %w", err)
	}
	out := make([]catalog.Category, len(rows))
	for i, r := range rows {
		out[i] = catalog.Category{ID: r.ID, Name: r.Name}
	}
	return out, nil
}

// CreateCategory saves c with its name key, whose unique index refuses a name another
// category has in any case.
func (s *Store) CreateCategory(ctx context.Context, c catalog.Category) error {
	return s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&categoryRow{ID: c.ID, Name: c.Name, Created: s.at()}).Error; err != nil {
			return fmt.Errorf("store: create category: %w", err)
		}
		if err := tx.Create(&categoryNameRow{CategoryID: c.ID, Key: catalog.NameKey(c.Name)}).Error; err != nil {
			if db.IsDuplicate(err) {
				return catalog.ErrCategoryTaken
			}
			return fmt.Errorf("store: create category name: %w", err)
		}
		return nil
	})
}

// CreateProduct saves p, its SKUs and a zero stock row for each SKU.
func (s *Store) CreateProduct(ctx context.Context, p *catalog.Product) (catalog.Listing, error) {
	var out catalog.Listing
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		cat, err := category(tx, p.CategoryID())
		if err != nil {
			return err
		}
		skus, err := toSKURows(p)
		if err != nil {
			return err
		}
		pr := toProductRow(p)
		stocks := make([]stockRow, len(skus))
		for i, k := range skus {
			stocks[i] = stockRow{SKU: k.Code, Updated: pr.Created}
		}
		if err := tx.Create(&pr).Error; err != nil {
			return fmt.Errorf("store: create product: %w", err)
		}
		if err := tx.Create(&skus).Error; err != nil {
			if db.IsDuplicate(err) {
				return catalog.ErrSKUTaken
			}
			return fmt.Errorf("store: create SKUs: %w", err)
		}
		if err := tx.Create(&stocks).Error; err != nil {
			return fmt.Errorf("store: create stock: %w", err)
		}
		out = catalog.Listing{Product: p, Category: cat, Available: map[string]int64{}}
		for _, k := range skus {
			out.Available[k.Code] = 0
		}
		return nil
	})
	return out, err
}

// UpdateProduct loads product id under lock, lets update change it and saves what
// changed.
func (s *Store) UpdateProduct(ctx context.Context, id string, update func(*catalog.Product) error) (catalog.Listing, error) {
	var out catalog.Listing
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var pr productRow
		if err := forUpdate(tx).Where("id = ?", id).Take(&pr).Error; err != nil {
			return notFound(err, catalog.ErrProductNotFound, "load product")
		}
		listings, err := listingsOf(tx, []productRow{pr})
		if err != nil {
			return err
		}
		p := listings[0].Product
		before := p.State()
		if err := update(p); err != nil {
			return err
		}
		if err := saveChanges(tx, before, p); err != nil {
			return err
		}
		listings, err = listingsOf(tx, []productRow{toProductRow(p)})
		if err != nil {
			return err
		}
		out = listings[0]
		return nil
	})
	return out, err
}

// saveChanges writes the product row and the SKU rows that differ from before.
func saveChanges(tx *gorm.DB, before catalog.State, p *catalog.Product) error {
	if p.Equal(catalog.Restore(before)) {
		return nil
	}
	if p.CategoryID() != before.CategoryID {
		if _, err := category(tx, p.CategoryID()); err != nil {
			return err
		}
	}
	pr := toProductRow(p)
	err := tx.Model(&productRow{}).Where("id = ?", pr.ID).Updates(map[string]any{
		"name": pr.Name, "description": pr.Description, "category_id": pr.CategoryID,
		"active": pr.Active, "min_price_cents": pr.MinPriceCents, "search_text": pr.SearchText,
		"updated_at": pr.Updated,
	}).Error
	if err != nil {
		return fmt.Errorf("store: save product: %w", err)
	}
	skus, err := toSKURows(p)
	if err != nil {
		return err
	}
	// A product's SKUs are fixed at creation, so before.SKUs lines up with skus.
	for i, k := range skus {
		old := before.SKUs[i]
		if old.Price == (money.Money{Cents: k.PriceCents, Currency: k.Currency}) && old.Active == k.Active {
			continue
		}
		err := tx.Model(&skuRow{}).Where("code = ?", k.Code).Updates(map[string]any{
			"price_cents": k.PriceCents, "currency": k.Currency, "active": k.Active, "updated_at": pr.Updated,
		}).Error
		if err != nil {
			return fmt.Errorf("store: save SKU %s: %w", k.Code, err)
		}
	}
	return nil
}

// Product returns product id with its category and stock.
func (s *Store) Product(ctx context.Context, id string) (catalog.Listing, error) {
	tx := s.conn(ctx)
	var pr productRow
	if err := tx.Where("id = ?", id).Take(&pr).Error; err != nil {
		return catalog.Listing{}, notFound(err, catalog.ErrProductNotFound, "load product")
	}
	listings, err := listingsOf(tx, []productRow{pr})
	if err != nil {
		return catalog.Listing{}, err
	}
	return listings[0], nil
}

// SKUDetails returns the known SKUs among codes with their product and stock.
func (s *Store) SKUDetails(ctx context.Context, codes []string) ([]catalog.SKUDetail, error) {
	var rows []struct {
		Code          string
		ProductID     string
		ProductName   string
		PriceCents    int64
		Currency      string
		SKUActive     bool
		ProductActive bool
		Available     int64
	}
	err := s.conn(ctx).Table("skus").
		Select("skus.code, skus.product_id, products.name AS product_name, skus.price_cents, skus.currency, "+
			"skus.active AS sku_active, products.active AS product_active, stock.available").
		Joins("JOIN products ON products.id = skus.product_id").
		Joins("JOIN stock ON stock.sku = skus.code").
		Where("skus.code IN ?", codes).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: SKU details: %w", err)
	}
	out := make([]catalog.SKUDetail, len(rows))
	for i, r := range rows {
		out[i] = catalog.SKUDetail{
			Code: r.Code, ProductID: r.ProductID, ProductName: r.ProductName,
			Price:  money.Money{Cents: r.PriceCents, Currency: r.Currency},
			Active: r.SKUActive && r.ProductActive, Available: r.Available,
		}
	}
	return out, nil
}

// listingsOf completes product rows into listings with two more queries (categories;
// SKUs with their stock), however many products there are: no query per product.
func listingsOf(tx *gorm.DB, products []productRow) ([]catalog.Listing, error) {
	if len(products) == 0 {
		return nil, nil
	}
	productIDs := make([]string, len(products))
	var categoryIDs []string
	for i, p := range products {
		productIDs[i] = p.ID
		if !slices.Contains(categoryIDs, p.CategoryID) {
			categoryIDs = append(categoryIDs, p.CategoryID)
		}
	}
	var cats []categoryRow
	if err := tx.Where("id IN ?", categoryIDs).Find(&cats).Error; err != nil {
		return nil, fmt.Errorf("store: categories of products: %w", err)
	}
	var skus []struct {
		Row       skuRow `gorm:"embedded"`
		Available int64  `gorm:"column:available"`
	}
	err := tx.Table("skus").Select("skus.*, stock.available").
		Joins("JOIN stock ON stock.sku = skus.code").
		Where("skus.product_id IN ?", productIDs).
		Order("skus.product_id, skus.position").
		Scan(&skus).Error
	if err != nil {
		return nil, fmt.Errorf("store: SKUs of products: %w", err)
	}
	skusOf := map[string][]skuRow{}
	available := map[string]map[string]int64{}
	for _, k := range skus {
		id := k.Row.ProductID
		skusOf[id] = append(skusOf[id], k.Row)
		if available[id] == nil {
			available[id] = map[string]int64{}
		}
		available[id][k.Row.Code] = k.Available
	}
	categories := map[string]catalog.Category{}
	for _, c := range cats {
		categories[c.ID] = catalog.Category{ID: c.ID, Name: c.Name}
	}
	out := make([]catalog.Listing, len(products))
	for i, pr := range products {
		p, err := toDomainProduct(pr, skusOf[pr.ID])
		if err != nil {
			return nil, err
		}
		out[i] = catalog.Listing{Product: p, Category: categories[pr.CategoryID], Available: available[pr.ID]}
	}
	return out, nil
}

func category(tx *gorm.DB, id string) (catalog.Category, error) {
	var r categoryRow
	if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
		return catalog.Category{}, notFound(err, catalog.ErrCategoryNotFound, "load category")
	}
	return catalog.Category{ID: r.ID, Name: r.Name}, nil
}

// notFound turns a missing row into the domain's sentinel and wraps anything else.
func notFound(err, sentinel error, doing string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sentinel
	}
	return fmt.Errorf("store: %s: %w", doing, err)
}
