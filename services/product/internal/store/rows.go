package store

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/money"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
)

// Row types mirror the tables of migrations/. Times are set explicitly (fields are not
// named CreatedAt/UpdatedAt, so GORM adds nothing behind the code's back).

type categoryRow struct {
	ID      string  `gorm:"column:id;primaryKey"`
	Name    string  `gorm:"column:name"`
	Created db.Time `gorm:"column:created_at"`
}

func (categoryRow) TableName() string { return "categories" }

// categoryNameRow holds a category's catalog.NameKey, unique across categories.
type categoryNameRow struct {
	CategoryID string `gorm:"column:category_id;primaryKey"`
	Key        string `gorm:"column:name_key"`
}

func (categoryNameRow) TableName() string { return "category_names" }

type productRow struct {
	ID            string  `gorm:"column:id;primaryKey"`
	Name          string  `gorm:"column:name"`
	Description   string  `gorm:"column:description"`
	CategoryID    string  `gorm:"column:category_id"`
	Active        bool    `gorm:"column:active"`
	MinPriceCents int64   `gorm:"column:min_price_cents"`
	SearchText    string  `gorm:"column:search_text"`
	Created       db.Time `gorm:"column:created_at"`
	Updated       db.Time `gorm:"column:updated_at"`
}

func (productRow) TableName() string { return "products" }

type skuRow struct {
	Code       string  `gorm:"column:code;primaryKey"`
	ProductID  string  `gorm:"column:product_id"`
	Position   int     `gorm:"column:position"`
	Attributes string  `gorm:"column:attributes"` // JSON object
	PriceCents int64   `gorm:"column:price_cents"`
	Currency   string  `gorm:"column:currency"`
	Active     bool    `gorm:"column:active"`
	Created    db.Time `gorm:"column:created_at"`
	Updated    db.Time `gorm:"column:updated_at"`
}

func (skuRow) TableName() string { return "skus" }

type stockRow struct {
	SKU       string `gorm:"column:sku;primaryKey"`
	Available int64  `gorm:"column:available"`
	Reserved  int64  `gorm:"column:reserved"`
	Sold      int64  `gorm:"column:sold"`
	// Admitted is the units the stock gate's admissions hold (see gate.go).
	Admitted int64   `gorm:"column:admitted"`
	Updated  db.Time `gorm:"column:updated_at"`
}

func (stockRow) TableName() string { return "stock" }

type adjustmentRow struct {
	ID      string  `gorm:"column:id;primaryKey"`
	SKU     string  `gorm:"column:sku"`
	Delta   int64   `gorm:"column:delta"`
	Reason  string  `gorm:"column:reason"`
	ActorID string  `gorm:"column:actor_id"`
	Created db.Time `gorm:"column:created_at"`
	// Key and Fingerprint are NULL for an adjustment made without a key.
	Key         *string `gorm:"column:idempotency_key"`
	Fingerprint *string `gorm:"column:fingerprint"`
}

func (adjustmentRow) TableName() string { return "stock_adjustments" }

type reservationRow struct {
	OrderID  string  `gorm:"column:order_id;primaryKey"`
	SKU      string  `gorm:"column:sku;primaryKey"`
	Quantity int64   `gorm:"column:quantity"`
	State    string  `gorm:"column:state"`
	Created  db.Time `gorm:"column:created_at"`
	Updated  db.Time `gorm:"column:updated_at"`
}

func (reservationRow) TableName() string { return "reservations" }

type admissionRow struct {
	OrderID  string  `gorm:"column:order_id;primaryKey"`
	SKU      string  `gorm:"column:sku;primaryKey"`
	Quantity int64   `gorm:"column:quantity"`
	Created  db.Time `gorm:"column:created_at"`
}

func (admissionRow) TableName() string { return "stock_admissions" }

type decisionRow struct {
	OrderID string  `gorm:"column:order_id;primaryKey"`
	Outcome string  `gorm:"column:outcome"`
	SKU     string  `gorm:"column:sku"`
	Reason  string  `gorm:"column:reason"`
	Created db.Time `gorm:"column:created_at"`
}

func (decisionRow) TableName() string { return "stock_decisions" }

// searchText is what a catalog query is matched against. It is lower-cased here, with
// Go's Unicode rules, because SQLite's LOWER and LIKE fold ASCII only.
func searchText(name, description string) string {
	return strings.ToLower(name) + "\n" + strings.ToLower(description)
}

func toProductRow(p *catalog.Product) productRow {
	lowest, _ := p.LowestPrice() // no active SKU: 0, and such a product sorts first
	return productRow{
		ID: p.ID(), Name: p.Name(), Description: p.Description(), CategoryID: p.CategoryID(),
		Active: p.Active(), MinPriceCents: lowest.Cents, SearchText: searchText(p.Name(), p.Description()),
		Created: db.NewTime(p.CreatedAt()), Updated: db.NewTime(p.UpdatedAt()),
	}
}

func toSKURows(p *catalog.Product) ([]skuRow, error) {
	skus := p.SKUs()
	rows := make([]skuRow, len(skus))
	for i, s := range skus {
		attrs := s.Attributes()
		if attrs == nil {
			attrs = map[string]string{}
		}
		b, err := json.Marshal(attrs)
		if err != nil {
			return nil, fmt.Errorf("store: attributes of %s: %w", s.Code(), err)
		}
		rows[i] = skuRow{
			Code: s.Code(), ProductID: p.ID(), Position: i, Attributes: string(b),
			PriceCents: s.Price().Cents, Currency: s.Price().Currency, Active: s.Active(),
			Created: db.NewTime(p.CreatedAt()), Updated: db.NewTime(p.UpdatedAt()),
		}
	}
	return rows, nil
}

// toDomainProduct restores a product from its row and its SKU rows in position order.
func toDomainProduct(pr productRow, skus []skuRow) (*catalog.Product, error) {
	st := catalog.State{
		ID: pr.ID, Name: pr.Name, Description: pr.Description, CategoryID: pr.CategoryID,
		Active: pr.Active, CreatedAt: pr.Created.Time, UpdatedAt: pr.Updated.Time,
	}
	for _, r := range skus {
		var attrs map[string]string
		if err := json.Unmarshal([]byte(r.Attributes), &attrs); err != nil {
			return nil, fmt.Errorf("store: attributes of %s: %w", r.Code, err)
		}
		st.SKUs = append(st.SKUs, catalog.SKUState{
			Code: r.Code, Attributes: attrs, Active: r.Active,
			Price: money.Money{Cents: r.PriceCents, Currency: r.Currency},
		})
	}
	return catalog.Restore(st), nil
}

func toDomainLevel(r stockRow) stock.Level {
	return stock.Level{SKU: r.SKU, Available: r.Available, Reserved: r.Reserved, Sold: r.Sold}
}

func toAdjustmentRow(id string, a stock.Adjustment, at db.Time) adjustmentRow {
	r := adjustmentRow{ID: id, SKU: a.SKU, Delta: a.Delta, Reason: a.Reason, ActorID: a.ActorID, Created: at}
	if a.Key != "" {
		fingerprint := a.Fingerprint()
		r.Key, r.Fingerprint = &a.Key, &fingerprint
	}
	return r
}

func toDecisionRow(d stock.Decision, at db.Time) decisionRow {
	return decisionRow{OrderID: d.OrderID, Outcome: string(d.Outcome), SKU: d.SKU, Reason: d.Reason, Created: at}
}

func toDomainDecision(r decisionRow) stock.Decision {
	return stock.Decision{OrderID: r.OrderID, Outcome: stock.Outcome(r.Outcome), SKU: r.SKU, Reason: r.Reason}
}

func toReservationRow(r *stock.Reservation, at db.Time) reservationRow {
	return reservationRow{OrderID: r.OrderID(), SKU: r.SKU(), Quantity: r.Quantity(), State: string(r.State()), Created: at, Updated: at}
}

func toDomainReservation(r reservationRow) *stock.Reservation {
	return stock.RestoreReservation(r.OrderID, r.SKU, r.Quantity, stock.State(r.State))
}
