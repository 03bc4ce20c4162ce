package store_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
)

// shelf seeds a small catalog; products are created in this order, one second apart.
func shelf(e *env) (tea, gear string) {
	tea, gear = e.category("Tea"), e.category("Gear")
	e.product(tea, "Earl Grey", "TEA-EG", 990, 2190)       // lowest 9.90
	e.product(tea, "Sencha", "TEA-SEN", 1590)              // 15.90
	e.product(gear, "Café Kettle", "GEAR-KET", 5900, 4900) // lowest 49.00; "café" is not ASCII
	e.product(gear, "Grinder 50% off", "GEAR-GRI", 990)    // ties Earl Grey on price
	e.product(tea, "Matcha", "TEA-MAT", 2500)              // description "About Matcha"
	e.product(gear, "Dripper_v2", "GEAR-DRI", 2400)        // an underscore to escape
	return tea, gear
}

func TestListProductsSortsAndFilters(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		tea, gear := shelf(e)
		ids := map[string]string{}
		all, err := e.catalog.ListProducts(e.ctx, catalog.ListRequest{PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range all.Items {
			ids[l.Product.Name()] = l.Product.ID()
		}
		// Earl Grey and the grinder tie at 9.90; the tie goes to the smaller id.
		tied := []string{"Earl Grey", "Grinder 50% off"}
		if ids[tied[0]] > ids[tied[1]] {
			tied[0], tied[1] = tied[1], tied[0]
		}
		cases := []struct {
			name string
			req  catalog.ListRequest
			want []string
		}{
			{"newest first by default", catalog.ListRequest{},
				[]string{"Dripper_v2", "Matcha", "Grinder 50% off", "Café Kettle", "Sencha", "Earl Grey"}},
			{"cheapest first", catalog.ListRequest{Sort: "price_asc"},
				[]string{tied[0], tied[1], "Sencha", "Dripper_v2", "Matcha", "Café Kettle"}},
			{"dearest first", catalog.ListRequest{Sort: "price_desc"},
				[]string{"Café Kettle", "Matcha", "Dripper_v2", "Sencha", tied[0], tied[1]}},
			{"one category", catalog.ListRequest{CategoryID: gear, Sort: "price_asc"},
				[]string{"Grinder 50% off", "Dripper_v2", "Café Kettle"}},
			{"unknown category", catalog.ListRequest{CategoryID: "no-such-category"}, nil},
			{"query in any case", catalog.ListRequest{Query: "SENCHA"}, []string{"Sencha"}},
			{"query beyond ASCII in any case", catalog.ListRequest{Query: "CAFÉ"}, []string{"Café Kettle"}},
			{"query matches the description", catalog.ListRequest{Query: "about matcha"}, []string{"Matcha"}},
			{"percent sign is literal", catalog.ListRequest{Query: "50%"}, []string{"Grinder 50% off"}},
			{"percent sign alone matches only itself", catalog.ListRequest{Query: "%"}, []string{"Grinder 50% off"}},
			{"underscore is literal", catalog.ListRequest{Query: "r_v"}, []string{"Dripper_v2"}},
			{"escape character is literal", catalog.ListRequest{Query: "!"}, nil},
			{"query and category together", catalog.ListRequest{Query: "A", CategoryID: tea, Sort: "price_desc"},
				[]string{"Matcha", "Sencha", "Earl Grey"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				page, err := e.catalog.ListProducts(e.ctx, c.req)
				if err != nil {
					t.Fatal(err)
				}
				if got := namesOf(page.Items); !slices.Equal(got, c.want) {
					t.Errorf("names = %q, want %q", got, c.want)
				}
				if page.NextToken != "" {
					t.Errorf("next token = %q on the only page", page.NextToken)
				}
			})
		}
	})
}

func TestListProductsCarriesSKUsAndStock(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		shelf(e)
		e.restock("GEAR-KET-2", 4)
		page, err := e.catalog.ListProducts(e.ctx, catalog.ListRequest{Query: "kettle"})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("page = %+v, %v", page, err)
		}
		l := page.Items[0]
		var codes []string
		for _, s := range l.Product.SKUs() {
			codes = append(codes, s.Code())
		}
		if !slices.Equal(codes, []string{"GEAR-KET-1", "GEAR-KET-2"}) || l.Category.Name != "Gear" {
			t.Errorf("SKUs %v in %q, want both kettle SKUs in position order, in Gear", codes, l.Category.Name)
		}
		if l.Available["GEAR-KET-1"] != 0 || l.Available["GEAR-KET-2"] != 4 {
			t.Errorf("available = %v, want GEAR-KET-2: 4", l.Available)
		}
	})
}

func TestListProductsPages(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		shelf(e)
		for _, sort := range []string{"newest", "price_asc", "price_desc"} {
			t.Run(sort, func(t *testing.T) {
				whole, err := e.catalog.ListProducts(e.ctx, catalog.ListRequest{Sort: sort})
				if err != nil {
					t.Fatal(err)
				}
				var walked []string
				pages, token := 0, ""
				for {
					page, err := e.catalog.ListProducts(e.ctx, catalog.ListRequest{Sort: sort, PageSize: 4, PageToken: token})
					if err != nil {
						t.Fatal(err)
					}
					pages++
					walked = append(walked, namesOf(page.Items)...)
					if token = page.NextToken; token == "" {
						break
					}
				}
				if pages != 2 || !slices.Equal(walked, namesOf(whole.Items)) {
					t.Errorf("%d pages of %q, want 2 pages giving %q", pages, walked, namesOf(whole.Items))
				}
			})
		}
		t.Run("exact fit has no next page", func(t *testing.T) {
			page, err := e.catalog.ListProducts(e.ctx, catalog.ListRequest{PageSize: 6})
			if err != nil || len(page.Items) != 6 || page.NextToken != "" {
				t.Errorf("%d items, token %q, err %v; want 6 and no token", len(page.Items), page.NextToken, err)
			}
		})
		t.Run("token of another query", func(t *testing.T) {
			page, err := e.catalog.ListProducts(e.ctx, catalog.ListRequest{Query: "e", PageSize: 1})
			if err != nil || page.NextToken == "" {
				t.Fatalf("first page: %v, token %q", err, page.NextToken)
			}
			_, err = e.catalog.ListProducts(e.ctx, catalog.ListRequest{Query: "a", PageSize: 1, PageToken: page.NextToken})
			var bad *errs.Error
			if !errors.As(err, &bad) || bad.Code != errs.InvalidArgument || len(bad.Details) != 1 || bad.Details[0].Field != "page_token" {
				t.Errorf("error = %v, want page_token invalid", err)
			}
		})
		t.Run("past the end", func(t *testing.T) {
			page, err := e.catalog.ListProducts(e.ctx, catalog.ListRequest{PageSize: 6})
			if err != nil {
				t.Fatal(err)
			}
			q, _ := catalog.NewListQuery(catalog.ListRequest{PageSize: 6})
			beyond, err := e.catalog.ListProducts(e.ctx, catalog.ListRequest{PageSize: 6, PageToken: q.NextToken()})
			if err != nil || len(beyond.Items) != 0 || beyond.NextToken != "" || len(page.Items) != 6 {
				t.Errorf("page past the end: %+v, %v; want empty and final", beyond, err)
			}
		})
	})
}
