package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/money"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/text"
)

// Limits of a product, as the API documents them.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 5000
	MaxSKUs           = 50
	MaxAttributes     = 20
	MaxAttributeKey   = 40
	MaxAttributeValue = 100
)

// ValidSKUCode reports whether code has the shape of a SKU code.
func ValidSKUCode(code string) bool { return ids.ValidSKU(code) }

// SKU is one sellable variant of a product.
type SKU struct {
	code       string
	attributes map[string]string
	price      money.Money
	active     bool
}

func (s SKU) Code() string                  { return s.code }
func (s SKU) Attributes() map[string]string { return maps.Clone(s.attributes) }
func (s SKU) Price() money.Money            { return s.price }
func (s SKU) Active() bool                  { return s.active }

// Product is a catalog entry with its SKUs. Its fields change only through NewProduct
// and Apply, which keep every rule below.
type Product struct {
	id          string
	name        string
	description string
	categoryID  string
	active      bool
	skus        []SKU
	createdAt   time.Time
	updatedAt   time.Time
}

func (p *Product) ID() string           { return p.id }
func (p *Product) Name() string         { return p.name }
func (p *Product) Description() string  { return p.description }
func (p *Product) CategoryID() string   { return p.categoryID }
func (p *Product) Active() bool         { return p.active }
func (p *Product) SKUs() []SKU          { return slices.Clone(p.skus) }
func (p *Product) CreatedAt() time.Time { return p.createdAt }
func (p *Product) UpdatedAt() time.Time { return p.updatedAt }

// LowestPrice is the price of the cheapest active SKU, which the catalog sorts by; ok is
// false when no SKU is active.
func (p *Product) LowestPrice() (lowest money.Money, ok bool) {
	for _, s := range p.skus {
		if s.active && (!ok || s.price.Cents < lowest.Cents) {
			lowest, ok = s.price, true
		}
	}
	return lowest, ok
}

// Draft is a product as the client proposes it; NewProduct validates it.
type Draft struct {
	Name        string
	Description string
	CategoryID  string
	SKUs        []SKUDraft
}

// SKUDraft is a proposed SKU.
type SKUDraft struct {
	Code       string
	Attributes map[string]string
	Price      money.Money
}

// NewProduct validates d, reporting every invalid field at once, and returns an active
// product whose SKUs are priced in currency. Whether the category exists and the SKU
// codes are free is for the store to say.
func NewProduct(id string, d Draft, currency string, now time.Time) (*Product, error) {
	var l errs.Violations
	name := strings.TrimSpace(d.Name)
	text.Check(&l, "name", name, 1, MaxNameLen)
	text.Check(&l, "description", d.Description, 0, MaxDescriptionLen)
	if d.CategoryID == "" {
		l.Add("category_id", "is required")
	}
	if len(d.SKUs) < 1 || len(d.SKUs) > MaxSKUs {
		l.Add("skus", fmt.Sprintf("must have 1 to %d SKUs", MaxSKUs))
	}
	firstUse := map[string]int{}
	skus := make([]SKU, 0, len(d.SKUs))
	for i, s := range d.SKUs {
		field := fmt.Sprintf("skus[%d]", i)
		if j, dup := firstUse[s.Code]; dup {
			l.Add(field+".sku", fmt.Sprintf("repeats skus[%d].sku", j))
		} else if checkSKUCode(&l, field+".sku", s.Code) {
			firstUse[s.Code] = i
		}
		checkAttributes(&l, field+".attributes", s.Attributes)
		checkPrice(&l, field+".price", s.Price, currency)
		skus = append(skus, SKU{code: s.Code, attributes: maps.Clone(s.Attributes), price: s.Price, active: true})
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	return &Product{
		id: id, name: name, description: d.Description, categoryID: d.CategoryID,
		active: true, skus: skus, createdAt: now, updatedAt: now,
	}, nil
}

func checkSKUCode(l *errs.Violations, field, code string) bool {
	if !ValidSKUCode(code) {
		l.Add(field, "must be 3 to 64 upper-case letters, digits or dashes, not starting with a dash")
		return false
	}
	return true
}

func checkAttributes(l *errs.Violations, field string, attrs map[string]string) {
	if len(attrs) > MaxAttributes {
		l.Add(field, fmt.Sprintf("must have at most %d attributes", MaxAttributes))
	}
	// Sorted, so the same request always reports its violations in the same order.
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if k == "" {
			l.Add(field, "keys must not be empty")
			continue
		}
		if text.Check(l, field+"."+k, k, 1, MaxAttributeKey) {
			text.Check(l, field+"."+k, attrs[k], 0, MaxAttributeValue)
		}
	}
}

func checkPrice(l *errs.Violations, field string, m money.Money, currency string) {
	if m.Currency != currency {
		l.Add(field+".currency", fmt.Sprintf("must be %s", currency))
	}
	if m.Cents < 1 || m.Cents > money.MaxPrice {
		l.Add(field+".amount_cents", fmt.Sprintf("must be 1 to %d", int64(money.MaxPrice)))
	}
}

// Patch changes the fields that are set; nil and empty fields stay as they are.
type Patch struct {
	Name        *string
	Description *string
	CategoryID  *string
	Active      *bool
	// Prices by SKU code; every code must be a SKU of the product.
	Prices map[string]money.Money
}

// Apply validates the patch against p, reporting every invalid field at once, and then
// applies all of it or nothing. Prices naming a SKU of another product are invalid
// fields (prices.<code>) rather than SKU_NOT_FOUND, so they are reported with the rest.
func (p *Product) Apply(patch Patch, currency string, now time.Time) error {
	var l errs.Violations
	var name string
	if patch.Name != nil {
		name = strings.TrimSpace(*patch.Name)
		text.Check(&l, "name", name, 1, MaxNameLen)
	}
	if patch.Description != nil {
		text.Check(&l, "description", *patch.Description, 0, MaxDescriptionLen)
	}
	if patch.CategoryID != nil && *patch.CategoryID == "" {
		l.Add("category_id", "must not be empty")
	}
	for _, code := range slices.Sorted(maps.Keys(patch.Prices)) {
		field := "prices." + code
		if p.skuIndex(code) < 0 {
			l.Add(field, "is not a SKU of this product")
			continue
		}
		checkPrice(&l, field, patch.Prices[code], currency)
	}
	if err := l.Err(); err != nil {
		return err
	}
	if p.apply(patch, name) {
		p.updatedAt = now
	}
	return nil
}

// apply changes p by a validated patch and reports whether anything changed, so that a
// no-op patch leaves updated_at alone.
func (p *Product) apply(patch Patch, name string) bool {
	before := p.clone()
	if patch.Name != nil {
		p.name = name
	}
	if patch.Description != nil {
		p.description = *patch.Description
	}
	if patch.CategoryID != nil {
		p.categoryID = *patch.CategoryID
	}
	if patch.Active != nil {
		p.active = *patch.Active
	}
	for code, price := range patch.Prices {
		p.skus[p.skuIndex(code)].price = price
	}
	return !before.Equal(p)
}

func (p *Product) skuIndex(code string) int {
	return slices.IndexFunc(p.skus, func(s SKU) bool { return s.code == code })
}

func (p *Product) clone() *Product {
	c := *p
	c.skus = slices.Clone(p.skus)
	return &c
}

// Equal reports whether p and o hold the same state.
func (p *Product) Equal(o *Product) bool {
	return p.id == o.id && p.name == o.name && p.description == o.description &&
		p.categoryID == o.categoryID && p.active == o.active &&
		p.createdAt.Equal(o.createdAt) && p.updatedAt.Equal(o.updatedAt) &&
		slices.EqualFunc(p.skus, o.skus, SKU.Equal)
}

// Equal reports whether s and o hold the same state.
func (s SKU) Equal(o SKU) bool {
	return s.code == o.code && s.price == o.price && s.active == o.active && maps.Equal(s.attributes, o.attributes)
}

// State is a product's stored form; the store saves it and restores products from it.
type State struct {
	ID          string
	Name        string
	Description string
	CategoryID  string
	Active      bool
	SKUs        []SKUState
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// SKUState is a SKU's stored form.
type SKUState struct {
	Code       string
	Attributes map[string]string
	Price      money.Money
	Active     bool
}

// Restore rebuilds a product from its stored state without validating it again: the
// rules were checked when it was saved.
func Restore(s State) *Product {
	p := &Product{
		id: s.ID, name: s.Name, description: s.Description, categoryID: s.CategoryID,
		active: s.Active, createdAt: s.CreatedAt, updatedAt: s.UpdatedAt,
	}
	for _, k := range s.SKUs {
		p.skus = append(p.skus, SKU{code: k.Code, attributes: maps.Clone(k.Attributes), price: k.Price, active: k.Active})
	}
	return p
}

// State returns p's stored form.
func (p *Product) State() State {
	s := State{
		ID: p.id, Name: p.name, Description: p.description, CategoryID: p.categoryID,
		Active: p.active, CreatedAt: p.createdAt, UpdatedAt: p.updatedAt,
	}
	for _, k := range p.skus {
		s.SKUs = append(s.SKUs, SKUState{Code: k.code, Attributes: maps.Clone(k.attributes), Price: k.price, Active: k.active})
	}
	return s
}
