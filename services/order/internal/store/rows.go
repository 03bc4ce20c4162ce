package store

import (
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

// Rows mirror the tables of migrations/. Timestamps are set by the domain's clock, never
// by GORM, so the tags turn GORM's automatic times off; they are db.Time.

type orderRow struct {
	ID              string   `gorm:"column:id;primaryKey"`
	UserID          string   `gorm:"column:user_id"`
	Status          string   `gorm:"column:status"`
	CancelReason    string   `gorm:"column:cancel_reason"`
	TotalCents      int64    `gorm:"column:total_cents"`
	Currency        string   `gorm:"column:currency"`
	ShipRecipient   string   `gorm:"column:ship_recipient"`
	ShipLine1       string   `gorm:"column:ship_line1"`
	ShipLine2       string   `gorm:"column:ship_line2"`
	ShipCity        string   `gorm:"column:ship_city"`
	ShipRegion      string   `gorm:"column:ship_region"`
	ShipPostalCode  string   `gorm:"column:ship_postal_code"`
	ShipCountry     string   `gorm:"column:ship_country"`
	ShipPhone       string   `gorm:"column:ship_phone"`
	Carrier         string   `gorm:"column:carrier"`
	TrackingNo      string   `gorm:"column:tracking_no"`
	ShippedAt       *db.Time `gorm:"column:shipped_at"`
	ReceivedAt      *db.Time `gorm:"column:received_at"`
	PaymentID       string   `gorm:"column:payment_id"`
	PaymentDeadline db.Time  `gorm:"column:payment_deadline"`
	CreatedAt       db.Time  `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt       db.Time  `gorm:"column:updated_at;autoUpdateTime:false"`
	Version         int64    `gorm:"column:version"`
}

func (orderRow) TableName() string { return "orders" }

type lineRow struct {
	OrderID        string `gorm:"column:order_id;primaryKey"`
	LineNo         int64  `gorm:"column:line_no;primaryKey;autoIncrement:false"`
	SKU            string `gorm:"column:sku"`
	Name           string `gorm:"column:name"`
	Quantity       int64  `gorm:"column:quantity"`
	UnitPriceCents int64  `gorm:"column:unit_price_cents"`
	Currency       string `gorm:"column:currency"`
}

func (lineRow) TableName() string { return "order_lines" }

type idempotencyRow struct {
	UserID      string  `gorm:"column:user_id;primaryKey"`
	Key         string  `gorm:"column:idempotency_key;primaryKey"`
	Fingerprint string  `gorm:"column:fingerprint"`
	OrderID     string  `gorm:"column:order_id"`
	CreatedAt   db.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (idempotencyRow) TableName() string { return "order_idempotency_keys" }

type refundRow struct {
	PaymentID string  `gorm:"column:payment_id;primaryKey"`
	OrderID   string  `gorm:"column:order_id"`
	Reason    string  `gorm:"column:reason"`
	CreatedAt db.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (refundRow) TableName() string { return "order_refund_requests" }

type cartRow struct {
	UserID    string `gorm:"column:user_id;primaryKey"`
	LineCount int64  `gorm:"column:line_count"`
}

func (cartRow) TableName() string { return "carts" }

type cartItemRow struct {
	UserID    string  `gorm:"column:user_id;primaryKey"`
	SKU       string  `gorm:"column:sku;primaryKey"`
	Quantity  int64   `gorm:"column:quantity"`
	CreatedAt db.Time `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt db.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (cartItemRow) TableName() string { return "cart_items" }

func toOrderRow(s order.Snapshot) *orderRow {
	a := s.Address
	row := &orderRow{
		ID: s.ID, UserID: s.UserID, Status: string(s.Status), CancelReason: string(s.CancelReason),
		TotalCents: s.Total.Cents, Currency: s.Total.Currency,
		ShipRecipient: a.Recipient, ShipLine1: a.Line1, ShipLine2: a.Line2, ShipCity: a.City,
		ShipRegion: a.Region, ShipPostalCode: a.PostalCode, ShipCountry: a.Country, ShipPhone: a.Phone,
		ReceivedAt: optionalTime(s.ReceivedAt), PaymentID: s.PaymentID,
		PaymentDeadline: db.NewTime(s.PaymentDeadline), CreatedAt: db.NewTime(s.CreatedAt), UpdatedAt: db.NewTime(s.UpdatedAt),
		Version: s.Version,
	}
	if sh := s.Shipment; sh != nil {
		row.Carrier, row.TrackingNo, row.ShippedAt = sh.Carrier, sh.TrackingNo, optionalTime(sh.ShippedAt)
	}
	return row
}

func toLineRows(orderID string, lines []order.Line) []lineRow {
	rows := make([]lineRow, len(lines))
	for i, l := range lines {
		rows[i] = lineRow{
			OrderID: orderID, LineNo: int64(i + 1), SKU: l.SKU, Name: l.Name, Quantity: l.Quantity,
			UnitPriceCents: l.UnitPrice.Cents, Currency: l.UnitPrice.Currency,
		}
	}
	return rows
}

func toDomainOrder(r orderRow, lines []lineRow, refunds []string) *order.Order {
	s := order.Snapshot{
		ID: r.ID, UserID: r.UserID, Status: order.Status(r.Status), CancelReason: order.CancelReason(r.CancelReason),
		Total: money.Money{Cents: r.TotalCents, Currency: r.Currency},
		Address: order.Address{
			Recipient: r.ShipRecipient, Line1: r.ShipLine1, Line2: r.ShipLine2, City: r.ShipCity,
			Region: r.ShipRegion, PostalCode: r.ShipPostalCode, Country: r.ShipCountry, Phone: r.ShipPhone,
		},
		PaymentID: r.PaymentID, Refunds: refunds,
		PaymentDeadline: r.PaymentDeadline.Time, ReceivedAt: timeOrZero(r.ReceivedAt),
		CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time, Version: r.Version,
	}
	if r.ShippedAt != nil {
		s.Shipment = &order.Shipment{Carrier: r.Carrier, TrackingNo: r.TrackingNo, ShippedAt: r.ShippedAt.Time}
	}
	for _, l := range lines {
		s.Lines = append(s.Lines, order.Line{
			SKU: l.SKU, Name: l.Name, Quantity: l.Quantity,
			UnitPrice: money.Money{Cents: l.UnitPriceCents, Currency: l.Currency},
		})
	}
	return order.Restore(s)
}

func toDomainCartItem(r cartItemRow) order.CartItem {
	return order.CartItem{SKU: r.SKU, Quantity: r.Quantity, AddedAt: r.CreatedAt.Time}
}

func optionalTime(t time.Time) *db.Time {
	if t.IsZero() {
		return nil
	}
	at := db.NewTime(t)
	return &at
}

func timeOrZero(t *db.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time
}
