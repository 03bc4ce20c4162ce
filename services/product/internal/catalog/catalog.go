// Package catalog holds the rules of the shop's catalog: categories, products, their
// SKUs and how shoppers browse them.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

var (
	ErrProductNotFound  = errors.New("product not found")
	ErrCategoryNotFound = errors.New("category not found")
	ErrSKUTaken         = errors.New("a SKU with this code already exists")
	ErrCategoryTaken    = errors.New("a category with this name already exists")
)

// Listing is a product as the catalog shows it: with its category and the stock each
// SKU has available, by SKU code.
type Listing struct {
	Product   *Product
	Category  Category
	Available map[string]int64
}

// SKUDetail is what an order snapshots of a SKU.
type SKUDetail struct {
	Code        string
	ProductID   string
	ProductName string
	Price       money.Money
	Active      bool // the SKU and its product are both active
	Available   int64
}

// MaxBatch is the most SKUs one BatchGetSkus call may ask for.
const MaxBatch = 100

// Store keeps the catalog.
type Store interface {
	Categories(ctx context.Context) ([]Category, error)
	// CreateCategory adds c. It fails with ErrCategoryTaken when another category has
	// the same NameKey.
	CreateCategory(ctx context.Context, c Category) error
	// CreateProduct saves a new product with zero stock for each SKU. It fails with
	// ErrCategoryNotFound or ErrSKUTaken.
	CreateProduct(ctx context.Context, p *Product) (Listing, error)
	// UpdateProduct loads the product, lets update change it and saves the result, all
	// in one transaction. It fails with ErrProductNotFound, or ErrCategoryNotFound when
	// the product is moved to a category that does not exist.
	UpdateProduct(ctx context.Context, id string, update func(*Product) error) (Listing, error)
	// Product fails with ErrProductNotFound.
	Product(ctx context.Context, id string) (Listing, error)
	// ListProducts returns the active products of one page and whether more follow.
	ListProducts(ctx context.Context, q ListQuery) ([]Listing, bool, error)
	// SKUDetails returns the known SKUs among codes, in no particular order.
	SKUDetails(ctx context.Context, codes []string) ([]SKUDetail, error)
}

// Service is the catalog's use cases.
type Service struct {
	store    Store
	currency string
	now      func() time.Time
}

// NewService returns the catalog of a shop that prices everything in currency.
func NewService(store Store, currency string, now func() time.Time) *Service {
	return &Service{store: store, currency: currency, now: now}
}

// Categories lists every category, by name.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	return s.store.Categories(ctx)
}

// CreateCategory validates name and adds a category with it and a fresh id. It fails
// with ErrCategoryTaken when another category has the name in any case.
func (s *Service) CreateCategory(ctx context.Context, name string) (Category, error) {
	c, err := NewCategory(ids.New(), name)
	if err != nil {
		return Category{}, err
	}
	if err := s.store.CreateCategory(ctx, c); err != nil {
		return Category{}, err
	}
	return c, nil
}

// CreateProduct validates and saves a new product; its SKUs start with no stock.
func (s *Service) CreateProduct(ctx context.Context, d Draft) (Listing, error) {
	p, err := NewProduct(ids.New(), d, s.currency, s.timestamp())
	if err != nil {
		return Listing{}, err
	}
	return s.store.CreateProduct(ctx, p)
}

// UpdateProduct applies patch to product id.
func (s *Service) UpdateProduct(ctx context.Context, id string, patch Patch) (Listing, error) {
	if !ids.Valid(id) {
		return Listing{}, ErrProductNotFound
	}
	return s.store.UpdateProduct(ctx, id, func(p *Product) error {
		return p.Apply(patch, s.currency, s.timestamp())
	})
}

// Product returns product id; an inactive product is not found unless includeInactive.
func (s *Service) Product(ctx context.Context, id string, includeInactive bool) (Listing, error) {
	if !ids.Valid(id) {
		return Listing{}, ErrProductNotFound
	}
	l, err := s.store.Product(ctx, id)
	if err != nil {
		return Listing{}, err
	}
	if !l.Product.Active() && !includeInactive {
		return Listing{}, ErrProductNotFound
	}
	return l, nil
}

// Page is one page of a listing; NextToken is "" on the last page.
type Page struct {
	Items     []Listing
	NextToken string
}

// ListProducts returns one page of active products.
func (s *Service) ListProducts(ctx context.Context, r ListRequest) (Page, error) {
	q, err := NewListQuery(r)
	if err != nil {
		return Page{}, err
	}
	items, more, err := s.store.ListProducts(ctx, q)
	if err != nil {
		return Page{}, err
	}
	page := Page{Items: items}
	if more {
		page.NextToken = q.NextToken()
	}
	return page, nil
}

// SKUs returns the details of the known SKUs among codes, in the order asked, each once.
// Malformed codes are simply unknown, so callers handle one case.
func (s *Service) SKUs(ctx context.Context, codes []string) ([]SKUDetail, error) {
	if len(codes) < 1 || len(codes) > MaxBatch {
		return nil, errs.Invalid(errs.FieldViolation{Field: "skus", Reason: fmt.Sprintf("must have 1 to %d SKU codes", MaxBatch)})
	}
	var wanted []string
	for _, c := range codes {
		if ValidSKUCode(c) && !slices.Contains(wanted, c) {
			wanted = append(wanted, c)
		}
	}
	if len(wanted) == 0 {
		return nil, nil
	}
	found, err := s.store.SKUDetails(ctx, wanted)
	if err != nil {
		return nil, err
	}
	out := make([]SKUDetail, 0, len(found))
	for _, c := range wanted {
		if i := slices.IndexFunc(found, func(d SKUDetail) bool { return d.Code == c }); i >= 0 {
			out = append(out, found[i])
		}
	}
	return out, nil
}

// timestamp is now in UTC at microsecond precision, what both engines store, so a
// product reads back exactly as it was saved.
func (s *Service) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}
