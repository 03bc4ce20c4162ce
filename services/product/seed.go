package product

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/money"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/store"
)

// Demo seed bookkeeping, as it appears in stock_adjustments.
const (
	demoSeedReason = "demo seed"
	demoSeedActor  = "system:demo-seed"
)

type demoProduct struct {
	category    string
	name        string
	description string
	skus        []demoSKU
}

type demoSKU struct {
	code  string
	attrs map[string]string
	cents int64
	stock int64 // 0 leaves the SKU sold out, for trying the out-of-stock path
}

// demoCatalog is a small coffee shop. GEAR-GRINDER-HAND has exactly 3 in stock, so a
// demo can sell out a SKU in a few orders; GEAR-KETTLE-STEEL has none at all.
func demoCatalog() (categories []string, products []demoProduct) {
	categories = []string{"Coffee", "Tea", "Brewing gear", "Books"}
	products = []demoProduct{
		{"Coffee", "Ethiopia Yirgacheffe", "Washed heirloom beans; bergamot, jasmine and lemon.", []demoSKU{
			{"COF-ETH-250G", map[string]string{"weight": "250 g", "grind": "whole bean"}, 1450, 40},
			{"COF-ETH-1KG", map[string]string{"weight": "1 kg", "grind": "whole bean"}, 4900, 12},
		}},
		{"Coffee", "Colombia Huila", "Chocolate, red apple and panela sweetness.", []demoSKU{
			{"COF-COL-250G", map[string]string{"weight": "250 g", "grind": "whole bean"}, 1290, 60},
		}},
		{"Coffee", "House Espresso Blend", "Brazil and Guatemala, roasted for milk drinks.", []demoSKU{
			{"COF-ESP-250G", map[string]string{"weight": "250 g", "grind": "whole bean"}, 1190, 100},
			{"COF-ESP-250G-FINE", map[string]string{"weight": "250 g", "grind": "espresso"}, 1190, 25},
			{"COF-ESP-1KG", map[string]string{"weight": "1 kg", "grind": "whole bean"}, 3990, 20},
		}},
		{"Tea", "Sencha Asanoka", "Steamed Japanese green tea, grassy and sweet.", []demoSKU{
			{"TEA-SEN-100G", map[string]string{"weight": "100 g"}, 1590, 25},
		}},
		{"Tea", "Earl Grey", "Ceylon black tea with cold-pressed bergamot.", []demoSKU{
			{"TEA-EGR-100G", map[string]string{"weight": "100 g"}, 990, 50},
			{"TEA-EGR-250G", map[string]string{"weight": "250 g"}, 2190, 18},
		}},
		{"Brewing gear", "Gooseneck Kettle", "0.9 l pour-over kettle with a thermometer in the lid.", []demoSKU{
			{"GEAR-KETTLE-BLACK", map[string]string{"finish": "matte black"}, 5900, 8},
			{"GEAR-KETTLE-STEEL", map[string]string{"finish": "brushed steel"}, 6400, 0},
		}},
		{"Brewing gear", "Hand Grinder", "Steel conical burrs, 40 clicks from espresso to French press.", []demoSKU{
			{"GEAR-GRINDER-HAND", map[string]string{"burr": "38 mm steel"}, 8900, 3},
		}},
		{"Books", "The Coffee Roaster's Notebook", "Roast logs, cupping forms and a short guide to both.", []demoSKU{
			{"BOOK-ROAST-NOTES", map[string]string{"format": "paperback"}, 1800, 30},
		}},
	}
	return categories, products
}

// seedDemo fills an empty catalog with the demo catalog through the same rules as the
// API, in one transaction, so a crash half way leaves nothing and the next start seeds
// again. A catalog that has categories is left alone.
func seedDemo(ctx context.Context, st *store.Store, currency string, now func() time.Time, log *slog.Logger) error {
	seeded := 0
	err := st.Transaction(ctx, func(tx *store.Store) error {
		cat := catalog.NewService(tx, currency, now)
		stk := stock.NewService(tx)
		existing, err := cat.Categories(ctx)
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			return nil
		}
		names, products := demoCatalog()
		idOf := map[string]string{}
		for _, n := range names {
			c, err := cat.CreateCategory(ctx, n)
			if err != nil {
				return fmt.Errorf("demo seed category %q: %w", n, err)
			}
			idOf[n] = c.ID
		}
		for _, p := range products {
			if err := seedProduct(ctx, cat, stk, idOf[p.category], p, currency); err != nil {
				return fmt.Errorf("demo seed %q: %w", p.name, err)
			}
		}
		seeded = len(products)
		return nil
	})
	if err != nil {
		return err
	}
	if seeded > 0 {
		log.Info("demo catalog seeded", "products", seeded)
	}
	return nil
}

func seedProduct(ctx context.Context, cat *catalog.Service, stk *stock.Service, categoryID string, p demoProduct, currency string) error {
	d := catalog.Draft{Name: p.name, Description: p.description, CategoryID: categoryID}
	for _, s := range p.skus {
		d.SKUs = append(d.SKUs, catalog.SKUDraft{Code: s.code, Attributes: s.attrs, Price: money.Money{Cents: s.cents, Currency: currency}})
	}
	if _, err := cat.CreateProduct(ctx, d); err != nil {
		return err
	}
	for _, s := range p.skus {
		if s.stock == 0 {
			continue
		}
		adjust := stock.AdjustRequest{SKU: s.code, Delta: s.stock, Reason: demoSeedReason, ActorID: demoSeedActor}
		if _, err := stk.Adjust(ctx, adjust); err != nil {
			return err
		}
	}
	return nil
}
