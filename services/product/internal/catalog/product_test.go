package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func usd(cents int64) money.Money { return money.Money{Cents: cents, Currency: "USD"} }

func validDraft() Draft {
	return Draft{
		Name:        "  Hand Grinder ",
		Description: "Steel burrs.",
		CategoryID:  "cat-1",
		SKUs: []SKUDraft{
			{Code: "GRIND-BLACK", Attributes: map[string]string{"color": "black"}, Price: usd(8900)},
			{Code: "GRIND-WHITE", Attributes: map[string]string{"color": "white"}, Price: usd(7900)},
		},
	}
}

// fieldsOf returns the invalid field names of err, failing when err is not
// INVALID_ARGUMENT.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var bad *errs.Error
	if !errors.As(err, &bad) || bad.Code != errs.InvalidArgument {
		t.Fatalf("error = %v, want INVALID_ARGUMENT", err)
	}
	names := make([]string, len(bad.Details))
	for i, f := range bad.Details {
		names[i] = f.Field
	}
	return names
}

func TestNewProductKeepsAValidDraft(t *testing.T) {
	p, err := NewProduct("p-1", validDraft(), "USD", t0)
	if err != nil {
		t.Fatalf("NewProduct: %v", err)
	}
	if p.Name() != "Hand Grinder" {
		t.Errorf("name = %q, want it trimmed to %q", p.Name(), "Hand Grinder")
	}
	if !p.Active() || !p.CreatedAt().Equal(t0) || !p.UpdatedAt().Equal(t0) || p.CategoryID() != "cat-1" {
		t.Errorf("product = %+v, want active, stamped %v, in cat-1", p.State(), t0)
	}
	codes := []string{}
	for _, s := range p.SKUs() {
		codes = append(codes, s.Code())
		if !s.Active() {
			t.Errorf("SKU %s inactive, want new SKUs active", s.Code())
		}
	}
	if !slices.Equal(codes, []string{"GRIND-BLACK", "GRIND-WHITE"}) {
		t.Errorf("SKUs = %v, want them in request order", codes)
	}
	if low, ok := p.LowestPrice(); !ok || low != usd(7900) {
		t.Errorf("LowestPrice = %v, %v; want 79.00 USD", low, ok)
	}
}

func TestNewProductReportsEveryInvalidField(t *testing.T) {
	tooManyAttrs := map[string]string{}
	for i := range MaxAttributes + 1 {
		tooManyAttrs[fmt.Sprintf("k%02d", i)] = "v"
	}
	tooManySKUs := make([]SKUDraft, MaxSKUs+1)
	for i := range tooManySKUs {
		tooManySKUs[i] = SKUDraft{Code: fmt.Sprintf("SKU-%03d", i), Price: usd(100)}
	}
	cases := []struct {
		name   string
		edit   func(*Draft)
		fields []string
	}{
		{"empty draft", func(d *Draft) { *d = Draft{} }, []string{"name", "category_id", "skus"}},
		{"blank name", func(d *Draft) { d.Name = "   " }, []string{"name"}},
		{"name too long", func(d *Draft) { d.Name = strings.Repeat("é", MaxNameLen+1) }, []string{"name"}},
		{"name of exactly the limit in runes", func(d *Draft) { d.Name = strings.Repeat("é", MaxNameLen) }, nil},
		{"name not UTF-8", func(d *Draft) { d.Name = "bad \xff" }, []string{"name"}},
		{"description too long", func(d *Draft) { d.Description = strings.Repeat("x", MaxDescriptionLen+1) }, []string{"description"}},
		{"too many SKUs", func(d *Draft) { d.SKUs = tooManySKUs }, []string{"skus"}},
		{"SKU code lower case", func(d *Draft) { d.SKUs[1].Code = "grind-white" }, []string{"skus[1].sku"}},
		{"SKU code starting with a dash", func(d *Draft) { d.SKUs[0].Code = "-GRIND" }, []string{"skus[0].sku"}},
		{"SKU code too short", func(d *Draft) { d.SKUs[0].Code = "AB" }, []string{"skus[0].sku"}},
		{"SKU code repeated in the request", func(d *Draft) { d.SKUs[1].Code = "GRIND-BLACK" }, []string{"skus[1].sku"}},
		{"too many attributes", func(d *Draft) { d.SKUs[0].Attributes = tooManyAttrs }, []string{"skus[0].attributes"}},
		{"empty attribute key", func(d *Draft) { d.SKUs[0].Attributes = map[string]string{"": "x"} }, []string{"skus[0].attributes"}},
		{"attribute key too long", func(d *Draft) {
			d.SKUs[0].Attributes = map[string]string{strings.Repeat("k", MaxAttributeKey+1): "x"}
		}, []string{"skus[0].attributes." + strings.Repeat("k", MaxAttributeKey+1)}},
		{"attribute value too long", func(d *Draft) {
			d.SKUs[1].Attributes = map[string]string{"size": strings.Repeat("v", MaxAttributeValue+1)}
		}, []string{"skus[1].attributes.size"}},
		{"price in another currency", func(d *Draft) { d.SKUs[0].Price.Currency = "EUR" }, []string{"skus[0].price.currency"}},
		{"free", func(d *Draft) { d.SKUs[0].Price.Cents = 0 }, []string{"skus[0].price.amount_cents"}},
		{"price above the maximum", func(d *Draft) { d.SKUs[1].Price.Cents = money.MaxPrice + 1 }, []string{"skus[1].price.amount_cents"}},
		{"price at the maximum", func(d *Draft) { d.SKUs[1].Price.Cents = money.MaxPrice }, nil},
		{"missing price", func(d *Draft) { d.SKUs[0].Price = money.Money{} }, []string{"skus[0].price.currency", "skus[0].price.amount_cents"}},
		{"everything at once", func(d *Draft) {
			d.Name = ""
			d.Description = strings.Repeat("x", MaxDescriptionLen+1)
			d.CategoryID = ""
			d.SKUs[0].Code = "x"
			d.SKUs[0].Price = usd(-5)
			d.SKUs[1].Attributes = map[string]string{"size": strings.Repeat("v", MaxAttributeValue+1)}
			d.SKUs[1].Price.Currency = "usd"
		}, []string{
			"name", "description", "category_id", "skus[0].sku", "skus[0].price.amount_cents",
			"skus[1].attributes.size", "skus[1].price.currency",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := validDraft()
			c.edit(&d)
			p, err := NewProduct("p-1", d, "USD", t0)
			if c.fields == nil {
				if err != nil {
					t.Fatalf("NewProduct: %v, want success", err)
				}
				return
			}
			if p != nil {
				t.Errorf("NewProduct returned a product along with violations")
			}
			if got := fieldsOf(t, err); !slices.Equal(got, c.fields) {
				t.Errorf("invalid fields = %q, want %q", got, c.fields)
			}
		})
	}
}

func TestApplyPatch(t *testing.T) {
	str := func(s string) *string { return &s }
	no := false
	t1 := t0.Add(time.Hour)
	cases := []struct {
		name    string
		patch   Patch
		fields  []string // nil: the patch is valid
		check   func(t *testing.T, p *Product)
		touched bool // updated_at moves to t1
	}{
		{"rename", Patch{Name: str(" Burr Grinder ")}, nil, func(t *testing.T, p *Product) {
			if p.Name() != "Burr Grinder" {
				t.Errorf("name = %q", p.Name())
			}
		}, true},
		{"deactivate", Patch{Active: &no}, nil, func(t *testing.T, p *Product) {
			if p.Active() {
				t.Error("still active")
			}
		}, true},
		{"reprice one SKU", Patch{Prices: map[string]money.Money{"GRIND-WHITE": usd(9900)}}, nil, func(t *testing.T, p *Product) {
			if got := p.SKUs()[1].Price(); got != usd(9900) {
				t.Errorf("GRIND-WHITE price = %v", got)
			}
			if low, _ := p.LowestPrice(); low != usd(8900) {
				t.Errorf("lowest price = %v, want the other SKU's 89.00 now", low)
			}
		}, true},
		{"nothing set", Patch{}, nil, func(t *testing.T, p *Product) {}, false},
		{"same values again", Patch{Name: str("Hand Grinder"), Prices: map[string]money.Money{"GRIND-BLACK": usd(8900)}}, nil,
			func(t *testing.T, p *Product) {}, false},
		{"blank name", Patch{Name: str(" ")}, []string{"name"}, nil, false},
		{"empty category", Patch{CategoryID: str("")}, []string{"category_id"}, nil, false},
		{"price of another product's SKU", Patch{Prices: map[string]money.Money{"OTHER-SKU": usd(100)}},
			[]string{"prices.OTHER-SKU"}, nil, false},
		{"every bad field at once, nothing applied", Patch{
			Name:        str(strings.Repeat("n", MaxNameLen+1)),
			Description: str(strings.Repeat("d", MaxDescriptionLen+1)),
			Prices: map[string]money.Money{
				"GRIND-WHITE": {Cents: 0, Currency: "EUR"},
				"ZZZ-UNKNOWN": usd(100),
				"GRIND-BLACK": usd(100), // valid, yet not applied: the patch is all or nothing
			},
		}, []string{"name", "description", "prices.GRIND-WHITE.currency", "prices.GRIND-WHITE.amount_cents", "prices.ZZZ-UNKNOWN"}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewProduct("p-1", validDraft(), "USD", t0)
			if err != nil {
				t.Fatal(err)
			}
			before := p.clone()
			err = p.Apply(c.patch, "USD", t1)
			if c.fields != nil {
				if got := fieldsOf(t, err); !slices.Equal(got, c.fields) {
					t.Errorf("invalid fields = %q, want %q", got, c.fields)
				}
				if !p.Equal(before) {
					t.Errorf("a refused patch changed the product: %+v", p.State())
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			c.check(t, p)
			want := t0
			if c.touched {
				want = t1
			}
			if !p.UpdatedAt().Equal(want) {
				t.Errorf("updated_at = %v, want %v", p.UpdatedAt(), want)
			}
		})
	}
}

func TestRestoreRoundTripsState(t *testing.T) {
	p, err := NewProduct("p-1", validDraft(), "USD", t0)
	if err != nil {
		t.Fatal(err)
	}
	if back := Restore(p.State()); !back.Equal(p) {
		t.Errorf("Restore(State()) = %+v, want %+v", back.State(), p.State())
	}
	attrs := p.SKUs()[0].Attributes()
	attrs["color"] = "pink"
	if p.SKUs()[0].Attributes()["color"] != "black" {
		t.Error("changing a returned attribute map changed the product")
	}
}
