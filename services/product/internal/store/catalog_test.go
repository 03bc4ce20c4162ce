package store_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/money"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
)

func TestCreateProductRoundTrips(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		cat := e.category("Tea")
		created := e.product(cat, "Earl Grey", "TEA-EG", 990, 2190)
		got, err := e.catalog.Product(e.ctx, created.Product.ID(), false)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Product.Equal(created.Product) {
			t.Errorf("reloaded %+v,\nwant %+v", got.Product.State(), created.Product.State())
		}
		if got.Category != (catalog.Category{ID: cat, Name: "Tea"}) {
			t.Errorf("category = %+v", got.Category)
		}
		want := map[string]int64{"TEA-EG-1": 0, "TEA-EG-2": 0}
		if !mapsEqual(got.Available, want) || !mapsEqual(created.Available, want) {
			t.Errorf("available = %v (created: %v), want zero stock for new SKUs", got.Available, created.Available)
		}
	})
}

func TestCreateProductRefusals(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		cat := e.category("Tea")
		first := e.product(cat, "Earl Grey", "TEA-EG", 990)
		cases := []struct {
			name    string
			draft   catalog.Draft
			wantErr error
		}{
			{"SKU code of another product", catalog.Draft{Name: "Copy", CategoryID: cat, SKUs: []catalog.SKUDraft{
				{Code: "NEW-SKU-1", Price: usd(100)}, {Code: "TEA-EG-1", Price: usd(100)},
			}}, catalog.ErrSKUTaken},
			{"unknown category", catalog.Draft{Name: "Lost", CategoryID: "01935e1c-0000-7000-8000-00000000dead", SKUs: []catalog.SKUDraft{
				{Code: "LOST-1", Price: usd(100)},
			}}, catalog.ErrCategoryNotFound},
			{"malformed category id", catalog.Draft{Name: "Lost", CategoryID: "tea", SKUs: []catalog.SKUDraft{
				{Code: "LOST-2", Price: usd(100)},
			}}, catalog.ErrCategoryNotFound},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if _, err := e.catalog.CreateProduct(e.ctx, c.draft); !errors.Is(err, c.wantErr) {
					t.Fatalf("error = %v, want %v", err, c.wantErr)
				}
				// Nothing of the refused product may remain.
				if n := e.count("SELECT COUNT(*) FROM products"); n != 1 {
					t.Errorf("%d products stored, want only the first", n)
				}
				if n := e.count("SELECT COUNT(*) FROM skus WHERE code <> ?", "TEA-EG-1"); n != 0 {
					t.Errorf("%d SKUs of the refused product stored", n)
				}
			})
		}
		if l, err := e.catalog.Product(e.ctx, first.Product.ID(), false); err != nil || len(l.Product.SKUs()) != 1 {
			t.Errorf("first product after refusals: %v, %v", l.Product, err)
		}
	})
}

func TestUpdateProduct(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tea := e.category("Tea")
		gear := e.category("Gear")
		p := e.product(tea, "Earl Grey", "TEA-EG", 990, 2190)
		e.product(tea, "Sencha", "TEA-SEN", 1590)
		name := "Earl Grey Supreme"
		updated, err := e.catalog.UpdateProduct(e.ctx, p.Product.ID(), catalog.Patch{
			Name: &name, CategoryID: &gear, Prices: map[string]money.Money{"TEA-EG-2": usd(500)},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.catalog.Product(e.ctx, p.Product.ID(), false)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Product.Equal(updated.Product) || got.Product.Name() != name || got.Category.Name != "Gear" {
			t.Errorf("reloaded %+v in %v, want renamed and moved to Gear", got.Product.State(), got.Category)
		}
		if price := got.Product.SKUs()[1].Price(); price != usd(500) {
			t.Errorf("TEA-EG-2 price = %v, want 5.00 USD", price)
		}
		if !got.Product.UpdatedAt().After(p.Product.UpdatedAt()) || !got.Product.CreatedAt().Equal(p.Product.CreatedAt()) {
			t.Errorf("timestamps created %v updated %v, want created kept and updated later", got.Product.CreatedAt(), got.Product.UpdatedAt())
		}
		// The new lowest price (5.00) now sorts it before Sencha (15.90).
		page, err := e.catalog.ListProducts(e.ctx, catalog.ListRequest{Sort: "price_asc"})
		if err != nil {
			t.Fatal(err)
		}
		if names := namesOf(page.Items); !slices.Equal(names, []string{name, "Sencha"}) {
			t.Errorf("price_asc = %v, want the repriced product first", names)
		}
	})
}

func TestUpdateProductRefusals(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tea := e.category("Tea")
		p := e.product(tea, "Earl Grey", "TEA-EG", 990)
		name, nowhere := "Renamed", "01935e1c-0000-7000-8000-00000000dead"
		cases := []struct {
			name    string
			id      string
			patch   catalog.Patch
			wantErr error
		}{
			{"unknown product", "01935e1c-0000-7000-8000-00000000beef", catalog.Patch{Name: &name}, catalog.ErrProductNotFound},
			{"unknown category", p.Product.ID(), catalog.Patch{Name: &name, CategoryID: &nowhere}, catalog.ErrCategoryNotFound},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if _, err := e.catalog.UpdateProduct(e.ctx, c.id, c.patch); !errors.Is(err, c.wantErr) {
					t.Fatalf("error = %v, want %v", err, c.wantErr)
				}
			})
		}
		got, _ := e.catalog.Product(e.ctx, p.Product.ID(), false)
		if !got.Product.Equal(p.Product) {
			t.Errorf("refused updates changed the product: %+v", got.Product.State())
		}
	})
}

func TestDeactivatedProductLeavesTheShop(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tea := e.category("Tea")
		p := e.product(tea, "Earl Grey", "TEA-EG", 990)
		e.product(tea, "Sencha", "TEA-SEN", 1590)
		off := false
		if _, err := e.catalog.UpdateProduct(e.ctx, p.Product.ID(), catalog.Patch{Active: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.catalog.Product(e.ctx, p.Product.ID(), false); !errors.Is(err, catalog.ErrProductNotFound) {
			t.Errorf("customer get: %v, want ErrProductNotFound", err)
		}
		if l, err := e.catalog.Product(e.ctx, p.Product.ID(), true); err != nil || l.Product.Active() {
			t.Errorf("staff get: active=%v, %v; want the inactive product", l.Product != nil && l.Product.Active(), err)
		}
		page, err := e.catalog.ListProducts(e.ctx, catalog.ListRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if names := namesOf(page.Items); !slices.Equal(names, []string{"Sencha"}) {
			t.Errorf("listing = %v, want only Sencha", names)
		}
		details, err := e.catalog.SKUs(e.ctx, []string{"TEA-EG-1", "TEA-SEN-1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(details) != 2 || details[0].Active || !details[1].Active {
			t.Errorf("details = %+v, want TEA-EG-1 inactive and TEA-SEN-1 active", details)
		}
	})
}

func TestSKUDetails(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tea := e.category("Tea")
		p := e.product(tea, "Earl Grey", "TEA-EG", 990, 2190)
		e.restock("TEA-EG-2", 7)
		got, err := e.catalog.SKUs(e.ctx, []string{"TEA-EG-2", "NOPE-1", "TEA-EG-1"})
		if err != nil {
			t.Fatal(err)
		}
		want := []catalog.SKUDetail{
			{Code: "TEA-EG-2", ProductID: p.Product.ID(), ProductName: "Earl Grey", Price: usd(2190), Active: true, Available: 7},
			{Code: "TEA-EG-1", ProductID: p.Product.ID(), ProductName: "Earl Grey", Price: usd(990), Active: true, Available: 0},
		}
		if !slices.Equal(got, want) {
			t.Errorf("details = %+v,\nwant %+v", got, want)
		}
	})
}

func namesOf(ls []catalog.Listing) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Product.Name())
	}
	return out
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
