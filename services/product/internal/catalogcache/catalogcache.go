// Package catalogcache puts the product detail (GetProduct) behind a read-through cache
// in front of the catalog store. Stock is never cached: every read merges in the units
// available now, so a shopper never sees stale availability, while the product, its
// SKUs and its category (which change only through UpdateProduct) are cached and
// invalidated by it.
package catalogcache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cartwheel-shop/cartwheel/pkg/cache"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
)

// keyPrefix names the entries; v1 is the shape of detail, to be bumped when it changes
// so that a new release never reads an old release's entries.
const keyPrefix = "cartwheel:product:detail:v1:"

// Stock reads the units each SKU has available now.
type Stock interface {
	Available(ctx context.Context, skus []string) (map[string]int64, error)
}

// Store is a catalog.Store whose Product reads through the cache; every other method
// goes straight to the store it wraps. CreateProduct needs no invalidation: ids are
// minted at creation, so no read can have cached a not-found for a new product.
type Store struct {
	catalog.Store
	stock   Stock
	details *cache.ReadThrough[detail]
	log     *slog.Logger
}

var _ catalog.Store = (*Store)(nil)

// detail is what the cache keeps of a product: everything GetProduct shows but stock.
// Inactive products are kept too; whether to show them is the caller's question
// (include_inactive), so one entry serves both answers and one invalidation clears it.
type detail struct {
	Product  catalog.State
	Category catalog.Category
}

// New wraps inner, reading stock from st and keeping details in c under opts.
func New(inner catalog.Store, st Stock, c cache.Cache, opts cache.Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	details, err := cache.NewReadThrough[detail](c, opts)
	if err != nil {
		return nil, fmt.Errorf("catalogcache: %w", err)
	}
	return &Store{Store: inner, stock: st, details: details, log: opts.Logger}, nil
}

// Product returns product id from the cache, or the store, with its stock read now.
// It fails with catalog.ErrProductNotFound, cached briefly.
func (s *Store) Product(ctx context.Context, id string) (catalog.Listing, error) {
	d, err := s.details.Get(ctx, keyPrefix+id, func(ctx context.Context) (detail, error) {
		l, err := s.Store.Product(ctx, id)
		if errors.Is(err, catalog.ErrProductNotFound) {
			return detail{}, fmt.Errorf("%w: %w", cache.ErrNotFound, err)
		}
		if err != nil {
			return detail{}, err
		}
		return detail{Product: l.Product.State(), Category: l.Category}, nil
	})
	if errors.Is(err, cache.ErrNotFound) {
		return catalog.Listing{}, catalog.ErrProductNotFound
	}
	if err != nil {
		return catalog.Listing{}, err
	}
	p := catalog.Restore(d.Product)
	codes := make([]string, 0, len(d.Product.SKUs))
	for _, k := range d.Product.SKUs {
		codes = append(codes, k.Code)
	}
	available, err := s.stock.Available(ctx, codes)
	if err != nil {
		return catalog.Listing{}, err
	}
	return catalog.Listing{Product: p, Category: d.Category, Available: available}, nil
}

// UpdateProduct updates through the store, then invalidates the product's detail. It
// invalidates after a failure too: an error can hide a commit (a connection lost during
// COMMIT), and a needless invalidation costs only one load.
func (s *Store) UpdateProduct(ctx context.Context, id string, update func(*catalog.Product) error) (catalog.Listing, error) {
	l, err := s.Store.UpdateProduct(ctx, id, update)
	s.invalidate(ctx, id)
	return l, err
}

// invalidate logs rather than fails: the change has committed and the caller must hear
// so; the cost of a failed invalidation is a detail up to one TTL old.
func (s *Store) invalidate(ctx context.Context, id string) {
	// The request's cancellation must not skip the invalidation of a committed change.
	if err := s.details.Invalidate(context.WithoutCancel(ctx), keyPrefix+id); err != nil {
		s.log.ErrorContext(ctx, "product detail not invalidated; it may be served stale until its cache TTL",
			"product_id", id, "err", err)
	}
}
