package order

import (
	"context"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

// CartItem is a line of a cart as stored: prices are not kept, they are read from the
// catalog whenever the cart is shown or ordered.
type CartItem struct {
	SKU      string
	Quantity int64
	AddedAt  time.Time
}

// Cart is a priced view of a cart.
type Cart struct {
	Lines []Line
	Total money.Money
}

// sellable says whether the catalog entry found for code can be bought in currency.
// A SKU priced in another currency cannot: the shop sells in one.
func sellable(code string, s SKU, found bool, currency string) error {
	switch {
	case !found:
		return &SkuError{SKU: code, Err: ErrSkuNotFound}
	case !s.Active || s.Price.Currency != currency:
		return &SkuError{SKU: code, Err: ErrSkuUnavailable}
	}
	return nil
}

// priceLines prices what the client asked for with the catalog's current prices; the
// first SKU that cannot be sold fails the whole request.
func priceLines(wanted []LineRequest, skus map[string]SKU, currency string) ([]Line, error) {
	lines := make([]Line, 0, len(wanted))
	for _, w := range wanted {
		s, found := skus[w.SKU]
		if err := sellable(w.SKU, s, found, currency); err != nil {
			return nil, err
		}
		lines = append(lines, Line{SKU: w.SKU, Name: s.Name, Quantity: w.Quantity, UnitPrice: s.Price})
	}
	return lines, nil
}

// viewCart prices the cart's lines. Lines that cannot be sold now (withdrawn or vanished
// SKUs) are left out of the view and its total but kept in the cart, so they come back
// if the SKU returns; ordering from the cart names them instead of silently skipping them.
func viewCart(items []CartItem, skus map[string]SKU, currency string) (Cart, error) {
	var lines []Line
	for _, it := range items {
		s, found := skus[it.SKU]
		if sellable(it.SKU, s, found, currency) != nil {
			continue
		}
		lines = append(lines, Line{SKU: it.SKU, Name: s.Name, Quantity: it.Quantity, UnitPrice: s.Price})
	}
	total, err := Total(lines, currency)
	if err != nil {
		return Cart{}, err
	}
	return Cart{Lines: lines, Total: total}, nil
}

// GetCart shows the user's cart at current prices.
func (s *Service) GetCart(ctx context.Context, userID string) (Cart, error) {
	if err := validateUserID(userID); err != nil {
		return Cart{}, err
	}
	return s.cart(ctx, userID)
}

// SetCartItem puts quantity of sku in the cart, replacing the line's quantity when the
// SKU is already there. Only SKUs on sale can be added.
func (s *Service) SetCartItem(ctx context.Context, userID, sku string, quantity int64) (Cart, error) {
	vs := cartViolations(userID, sku)
	if quantity < 1 || quantity > MaxQuantity {
		vs.Add("quantity", reasonQuantity)
	}
	if err := vs.Err(); err != nil {
		return Cart{}, err
	}
	found, err := s.catalog.SKUs(ctx, []string{sku})
	if err != nil {
		return Cart{}, err
	}
	entry, ok := found[sku]
	if err := sellable(sku, entry, ok, s.policy.Currency); err != nil {
		return Cart{}, err
	}
	item := CartItem{SKU: sku, Quantity: quantity, AddedAt: s.now()}
	if err := s.store.SetCartItem(ctx, userID, item, s.policy.MaxLines); err != nil {
		return Cart{}, err
	}
	return s.cart(ctx, userID)
}

// RemoveCartItem takes sku out of the cart; an absent line is already removed.
func (s *Service) RemoveCartItem(ctx context.Context, userID, sku string) (Cart, error) {
	if err := cartViolations(userID, sku).Err(); err != nil {
		return Cart{}, err
	}
	if err := s.store.RemoveCartItem(ctx, userID, sku); err != nil {
		return Cart{}, err
	}
	return s.cart(ctx, userID)
}

func (s *Service) cart(ctx context.Context, userID string) (Cart, error) {
	items, err := s.store.CartItems(ctx, userID)
	if err != nil {
		return Cart{}, err
	}
	if len(items) == 0 {
		return Cart{Total: money.Zero(s.policy.Currency)}, nil
	}
	codes := make([]string, len(items))
	for i, it := range items {
		codes[i] = it.SKU
	}
	skus, err := s.catalog.SKUs(ctx, codes)
	if err != nil {
		return Cart{}, err
	}
	return viewCart(items, skus, s.policy.Currency)
}
