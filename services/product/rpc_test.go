package product_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

func usd(cents int64) *baseapi.Money { return &baseapi.Money{AmountCents: cents, Currency: "USD"} }

func TestCatalogOverRPC(t *testing.T) {
	s := startShop(t)
	cats, err := s.client.ListCategories(s.ctx, &productapi.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cats.Items {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"Books", "Brewing gear", "Coffee", "Tea"}) {
		t.Fatalf("categories = %v, want the demo categories by name", names)
	}
	tea := cats.Items[3].Id

	created, err := s.client.CreateProduct(s.ctx, &productapi.CreateProductRequest{
		Name: "Genmaicha", Description: "Green tea with roasted rice.", CategoryId: tea,
		Skus: []*productapi.NewSku_{
			{Sku: "TEA-GEN-100G", Attributes: map[string]string{"weight": "100 g"}, Price: usd(1290)},
			{Sku: "TEA-GEN-250G", Attributes: map[string]string{"weight": "250 g"}, Price: usd(2790)},
		},
	})
	if err != nil {
		t.Fatal(errs.FromRPC(err))
	}
	if !created.Active || created.Category.Name != "Tea" || len(created.Skus) != 2 || created.CreatedAtMs == 0 ||
		created.Skus[1].Sku != "TEA-GEN-250G" || created.Skus[1].Available != 0 || created.Skus[1].Price.AmountCents != 2790 {
		t.Errorf("created = %+v", created)
	}

	t.Run("get", func(t *testing.T) {
		got, err := s.client.GetProduct(s.ctx, &productapi.GetProductRequest{Id: created.Id})
		if err != nil || got.Name != "Genmaicha" || got.Skus[0].Attributes["weight"] != "100 g" {
			t.Errorf("GetProduct = %+v, %v", got, err)
		}
	})
	t.Run("list pages", func(t *testing.T) {
		var seen []string
		token := ""
		for {
			size := int32(4)
			page, err := s.client.ListProducts(s.ctx, &productapi.ListProductsRequest{PageSize: &size, PageToken: &token})
			if err != nil {
				t.Fatal(errs.FromRPC(err))
			}
			for _, p := range page.Items {
				seen = append(seen, p.Name)
			}
			if token = page.NextPageToken; token == "" {
				break
			}
		}
		if len(seen) != 9 || seen[0] != "Genmaicha" {
			t.Errorf("listed %d products starting %q, want the 8 demo products and the new one first", len(seen), seen)
		}
	})
	t.Run("adjust and read stock", func(t *testing.T) {
		st, err := s.client.AdjustStock(s.ctx, &productapi.AdjustStockRequest{Sku: "TEA-GEN-100G", Delta: 12, Reason: "delivery", ActorId: "admin-1"})
		if err != nil || *st != (productapi.Stock{Sku: "TEA-GEN-100G", Available: 12}) {
			t.Errorf("AdjustStock = %+v, %v", st, err)
		}
		if got := s.stock("GEAR-GRINDER-HAND"); got.Available != 3 {
			t.Errorf("demo grinder stock = %+v, want 3 available", got)
		}
	})
	t.Run("batch SKUs", func(t *testing.T) {
		got, err := s.client.BatchGetSkus(s.ctx, &productapi.BatchGetSkusRequest{Skus: []string{"TEA-GEN-100G", "NOPE-404"}})
		if err != nil || len(got.Items) != 1 {
			t.Fatalf("BatchGetSkus = %+v, %v", got, err)
		}
		want := productapi.SkuDetail{Sku: "TEA-GEN-100G", ProductId: created.Id, ProductName: "Genmaicha", Price: usd(1290), Active: true, Available: 12}
		if d := got.Items[0]; d.Sku != want.Sku || d.ProductId != want.ProductId || d.ProductName != want.ProductName ||
			*d.Price != *want.Price || d.Active != want.Active || d.Available != want.Available {
			t.Errorf("detail = %+v, want %+v", d, want)
		}
	})
	t.Run("deactivate", func(t *testing.T) {
		off := false
		if _, err := s.client.UpdateProduct(s.ctx, &productapi.UpdateProductRequest{Id: created.Id, Active: &off}); err != nil {
			t.Fatal(errs.FromRPC(err))
		}
		_, err := s.client.GetProduct(s.ctx, &productapi.GetProductRequest{Id: created.Id})
		if code := errs.FromRPC(err).Code; code != errs.ProductNotFound {
			t.Errorf("customer GetProduct: %v, want PRODUCT_NOT_FOUND", code.Name)
		}
		on := true
		got, err := s.client.GetProduct(s.ctx, &productapi.GetProductRequest{Id: created.Id, IncludeInactive: &on})
		if err != nil || got.Active || got.Skus[0].Active {
			t.Errorf("staff GetProduct = active %v, SKU active %v, %v; want both inactive", got.GetActive(), got.Skus[0].Active, err)
		}
		batch, err := s.client.BatchGetSkus(s.ctx, &productapi.BatchGetSkusRequest{Skus: []string{"TEA-GEN-100G"}})
		if err != nil || len(batch.Items) != 1 || batch.Items[0].Active {
			t.Errorf("BatchGetSkus = %+v, %v; want the SKU reported inactive", batch, err)
		}
	})
}

func TestCreateCategoryOverRPC(t *testing.T) {
	s := startShop(t)
	created, err := s.client.CreateCategory(s.ctx, &productapi.CreateCategoryRequest{Name: "  Cocoa "})
	if err != nil {
		t.Fatal(errs.FromRPC(err))
	}
	if created.Name != "Cocoa" || created.Id == "" {
		t.Fatalf("created = %+v, want Cocoa with an id", created)
	}
	cats, err := s.client.ListCategories(s.ctx, &productapi.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cats.Items {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"Books", "Brewing gear", "Cocoa", "Coffee", "Tea"}) {
		t.Errorf("categories = %v, want Cocoa among the demo categories", names)
	}
	p, err := s.client.CreateProduct(s.ctx, &productapi.CreateProductRequest{Name: "Drinking chocolate", CategoryId: created.Id,
		Skus: []*productapi.NewSku_{{Sku: "COCOA-250G", Price: usd(990)}}})
	if err != nil || p.Category.Name != "Cocoa" {
		t.Errorf("product in the new category: %+v, %v", p, errs.FromRPC(err))
	}

	cases := []struct {
		name   string
		req    *productapi.CreateCategoryRequest
		code   errs.Code
		reason string // of field "name", for INVALID_ARGUMENT
	}{
		{"the same name in another case", &productapi.CreateCategoryRequest{Name: "COCOA"}, errs.CategoryTaken, ""},
		{"a demo category's name", &productapi.CreateCategoryRequest{Name: "brewing GEAR"}, errs.CategoryTaken, ""},
		{"blank", &productapi.CreateCategoryRequest{Name: "  "}, errs.InvalidArgument, "is required"},
		{"too long", &productapi.CreateCategoryRequest{Name: strings.Repeat("x", 101)}, errs.InvalidArgument, "must be 1 to 100 characters"},
		{"a control character", &productapi.CreateCategoryRequest{Name: "Co\x07coa"}, errs.InvalidArgument, "must not contain control characters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.client.CreateCategory(s.ctx, c.req)
			got := errs.FromRPC(err)
			if got == nil || got.Code != c.code {
				t.Fatalf("error = %v, want %s", got, c.code.Name)
			}
			if c.reason != "" && !slices.Equal(got.Details, []errs.FieldViolation{{Field: "name", Reason: c.reason}}) {
				t.Errorf("details = %+v, want name: %s", got.Details, c.reason)
			}
		})
	}
	if cats, err := s.client.ListCategories(s.ctx, &productapi.Empty{}); err != nil || len(cats.Items) != 5 {
		t.Errorf("categories after the refusals: %v, %v; want the 5 there were", cats, err)
	}
}

func TestErrorsOverRPC(t *testing.T) {
	s := startShop(t)
	cats, err := s.client.ListCategories(s.ctx, &productapi.Empty{})
	if err != nil || len(cats.Items) != 4 {
		t.Fatalf("categories: %v, %v", cats, err)
	}
	coffee := cats.Items[2].Id
	demo, err := s.client.ListProducts(s.ctx, &productapi.ListProductsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(demo.Items, func(p *productapi.Product) bool { return p.Name == "Colombia Huila" })
	if i < 0 {
		t.Fatal("demo product Colombia Huila is missing")
	}
	colombia := demo.Items[i] // one SKU, COF-COL-250G
	garbage, size, sort := "garbage", int32(500), "cheapest"
	cases := []struct {
		name   string
		call   func() error
		code   errs.Code
		fields []string // INVALID_ARGUMENT details, in order
	}{
		{"create with every field wrong", func() error {
			_, err := s.client.CreateProduct(s.ctx, &productapi.CreateProductRequest{Name: "", CategoryId: "", Skus: []*productapi.NewSku_{
				{Sku: "bad code", Price: &baseapi.Money{AmountCents: 0, Currency: "USD"}},
				{Sku: "OK-CODE-1", Price: &baseapi.Money{AmountCents: 100, Currency: "EUR"}},
				{Sku: "OK-CODE-1", Price: &baseapi.Money{}},
			}})
			return err
		}, errs.InvalidArgument, []string{"name", "category_id", "skus[0].sku", "skus[0].price.amount_cents",
			"skus[1].price.currency", "skus[2].sku", "skus[2].price.currency", "skus[2].price.amount_cents"}},
		{"create with a taken SKU", func() error {
			_, err := s.client.CreateProduct(s.ctx, &productapi.CreateProductRequest{Name: "Copy", CategoryId: coffee,
				Skus: []*productapi.NewSku_{{Sku: "COF-ETH-250G", Price: usd(100)}}})
			return err
		}, errs.SkuTaken, nil},
		{"create in an unknown category", func() error {
			_, err := s.client.CreateProduct(s.ctx, &productapi.CreateProductRequest{Name: "Lost", CategoryId: "nope",
				Skus: []*productapi.NewSku_{{Sku: "LOST-1", Price: usd(100)}}})
			return err
		}, errs.CategoryNotFound, nil},
		{"reprice badly, and a SKU of another product", func() error {
			_, err := s.client.UpdateProduct(s.ctx, &productapi.UpdateProductRequest{Id: colombia.Id,
				Prices: map[string]*baseapi.Money{"TEA-SEN-100G": usd(100), "COF-COL-250G": {AmountCents: -1, Currency: "USD"}}})
			return err
		}, errs.InvalidArgument, []string{"prices.COF-COL-250G.amount_cents", "prices.TEA-SEN-100G"}},
		{"update an unknown product", func() error {
			_, err := s.client.UpdateProduct(s.ctx, &productapi.UpdateProductRequest{Id: "not-an-id"})
			return err
		}, errs.ProductNotFound, nil},
		{"get a malformed id", func() error {
			_, err := s.client.GetProduct(s.ctx, &productapi.GetProductRequest{Id: "x"})
			return err
		}, errs.ProductNotFound, nil},
		{"list with bad paging and sort", func() error {
			_, err := s.client.ListProducts(s.ctx, &productapi.ListProductsRequest{PageToken: &garbage, PageSize: &size, Sort: &sort})
			return err
		}, errs.InvalidArgument, []string{"sort", "page_size", "page_token"}},
		{"batch of nothing", func() error {
			_, err := s.client.BatchGetSkus(s.ctx, &productapi.BatchGetSkusRequest{})
			return err
		}, errs.InvalidArgument, []string{"skus"}},
		{"adjust with every field wrong", func() error {
			_, err := s.client.AdjustStock(s.ctx, &productapi.AdjustStockRequest{Sku: "COF-ETH-250G"})
			return err
		}, errs.InvalidArgument, []string{"delta", "reason", "actor_id"}},
		{"adjust below zero", func() error {
			_, err := s.client.AdjustStock(s.ctx, &productapi.AdjustStockRequest{Sku: "GEAR-GRINDER-HAND", Delta: -4, Reason: "x", ActorId: "a"})
			return err
		}, errs.StockInsufficient, nil},
		{"adjust an unknown SKU", func() error {
			_, err := s.client.AdjustStock(s.ctx, &productapi.AdjustStockRequest{Sku: "NOPE-404", Delta: 1, Reason: "x", ActorId: "a"})
			return err
		}, errs.SkuNotFound, nil},
		{"stock of an unknown SKU", func() error {
			_, err := s.client.GetStock(s.ctx, &productapi.GetStockRequest{Sku: "NOPE-404"})
			return err
		}, errs.SkuNotFound, nil},
		{"admission without lines", func() error {
			_, err := s.client.AdmitOrder(s.ctx, &productapi.AdmitOrderRequest{OrderId: "o-1"})
			return err
		}, errs.InvalidArgument, []string{"lines"}},
		{"admission of a line without quantity", func() error {
			_, err := s.client.AdmitOrder(s.ctx, &productapi.AdmitOrderRequest{OrderId: "o-1", Lines: []*productapi.GateLine{{Sku: "COF-ETH-250G"}}})
			return err
		}, errs.InvalidArgument, []string{"lines"}},
		{"admission without an order id", func() error {
			_, err := s.client.AdmitOrder(s.ctx, &productapi.AdmitOrderRequest{Lines: []*productapi.GateLine{{Sku: "COF-ETH-250G", Quantity: 1}}})
			return err
		}, errs.InvalidArgument, []string{"order_id"}},
		{"return without an order id", func() error {
			_, err := s.client.ReturnAdmission(s.ctx, &productapi.ReturnAdmissionRequest{})
			return err
		}, errs.InvalidArgument, []string{"order_id"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := errs.FromRPC(c.call())
			if got == nil || got.Code != c.code {
				t.Fatalf("error = %v, want %s", got, c.code.Name)
			}
			if c.fields == nil {
				return
			}
			var fields []string
			for _, d := range got.Details {
				fields = append(fields, d.Field)
			}
			if !slices.Equal(fields, c.fields) {
				t.Errorf("detail fields = %q, want %q", fields, c.fields)
			}
		})
	}
	if got := s.stock("GEAR-GRINDER-HAND"); got.Available != 3 {
		t.Errorf("grinder stock after refused adjustments = %+v, want 3", got)
	}
}

// The stock gate over RPC: a refusal is an answer naming the SKU, not an error.
func TestAdmitOrderOverRPC(t *testing.T) {
	s := startShop(t)
	admit := func(id string, lines ...*productapi.GateLine) *productapi.AdmitOrderResponse {
		t.Helper()
		resp, err := s.client.AdmitOrder(s.ctx, &productapi.AdmitOrderRequest{OrderId: id, Lines: lines})
		if err != nil {
			t.Fatalf("admit %s: %v", id, err)
		}
		return resp
	}
	grinder := func(q int64) *productapi.GateLine { return &productapi.GateLine{Sku: "GEAR-GRINDER-HAND", Quantity: q} }
	if r := admit("o-1", grinder(2)); r.RefusedSku != "" {
		t.Fatalf("2 of 3 grinders refused: %+v", r)
	}
	if r := admit("o-2", grinder(2)); r.RefusedSku != "GEAR-GRINDER-HAND" || r.Reason != errs.StockInsufficient.Name {
		t.Fatalf("2 of the 1 left: %+v, want STOCK_INSUFFICIENT on the grinder", r)
	}
	if r := admit("o-3", grinder(1), &productapi.GateLine{Sku: "NOPE-404", Quantity: 1}); r.RefusedSku != "NOPE-404" || r.Reason != errs.SkuNotFound.Name {
		t.Fatalf("unknown SKU: %+v, want SKU_NOT_FOUND", r)
	}
	if _, err := s.client.ReturnAdmission(s.ctx, &productapi.ReturnAdmissionRequest{OrderId: "o-1"}); err != nil {
		t.Fatal(err)
	}
	if r := admit("o-4", grinder(3)); r.RefusedSku != "" {
		t.Fatalf("3 of 3 after the return refused: %+v", r)
	}
	if got := s.stock("GEAR-GRINDER-HAND"); got.Available != 3 || got.Reserved != 0 {
		t.Errorf("admissions moved the stock: %+v", got)
	}
	const answers = `
# HELP cartwheel_stock_gate_answers_total The stock gate's answers to AdmitOrder, by outcome: admitted, stock_insufficient or sku_not_found.
# TYPE cartwheel_stock_gate_answers_total counter
cartwheel_stock_gate_answers_total{outcome="admitted",service="product"} 2
cartwheel_stock_gate_answers_total{outcome="sku_not_found",service="product"} 1
cartwheel_stock_gate_answers_total{outcome="stock_insufficient",service="product"} 1
`
	if err := testutil.GatherAndCompare(s.tel.Registry(), strings.NewReader(answers), "cartwheel_stock_gate_answers_total"); err != nil {
		t.Error(err)
	}
}

func TestAdjustStockWithAnIdempotencyKeyOverRPC(t *testing.T) {
	s := startShop(t)
	const sku = "GEAR-GRINDER-HAND" // the demo seed's 3 available
	adjust := func(delta int64, reason, actor string, key *string) (*productapi.Stock, *errs.Error) {
		t.Helper()
		st, err := s.client.AdjustStock(s.ctx, &productapi.AdjustStockRequest{Sku: sku, Delta: delta, Reason: reason, ActorId: actor, IdempotencyKey: key})
		return st, errs.FromRPC(err)
	}
	key := "restock-2026-11-21"
	if st, err := adjust(5, "delivery", "admin-1", &key); err != nil || st.Available != 8 {
		t.Fatalf("first call = %+v, %v; want 8 available", st, err)
	}
	t.Run("retry", func(t *testing.T) {
		st, err := adjust(5, "delivery", "admin-1", &key)
		if err != nil || *st != (productapi.Stock{Sku: sku, Available: 8}) {
			t.Errorf("retry = %+v, %v; want the same 8 available, adjusted once", st, err)
		}
	})
	t.Run("the key with another delta", func(t *testing.T) {
		if _, err := adjust(6, "delivery", "admin-1", &key); err == nil || err.Code != errs.IdempotencyKeyReused {
			t.Errorf("error = %v, want IDEMPOTENCY_KEY_REUSED", err)
		}
	})
	t.Run("the key by another admin", func(t *testing.T) {
		if st, err := adjust(5, "delivery", "admin-2", &key); err != nil || st.Available != 13 {
			t.Errorf("= %+v, %v; want a new adjustment, 13 available", st, err)
		}
	})
	t.Run("a malformed key", func(t *testing.T) {
		bad := "not a key!"
		_, err := adjust(5, "delivery", "admin-1", &bad)
		want := []errs.FieldViolation{{Field: "idempotency_key", Reason: "must be 1 to 64 letters, digits, '_', '.', ':' or '-'"}}
		if err == nil || err.Code != errs.InvalidArgument || !slices.Equal(err.Details, want) {
			t.Errorf("error = %v, want INVALID_ARGUMENT on idempotency_key", err)
		}
	})
	t.Run("no key", func(t *testing.T) {
		for range 2 {
			if _, err := adjust(1, "delivery", "admin-1", nil); err != nil {
				t.Fatal(err)
			}
		}
		if got := s.stock(sku); got.Available != 15 {
			t.Errorf("available = %d, want 15: each call without a key adjusts", got.Available)
		}
	})
}
