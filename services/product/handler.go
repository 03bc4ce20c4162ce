package product

import (
	"context"
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
)

// errorTable maps the domain's sentinels to the error catalog.
var errorTable = []errs.Mapping{
	{Err: catalog.ErrProductNotFound, Code: errs.ProductNotFound},
	{Err: catalog.ErrCategoryNotFound, Code: errs.CategoryNotFound},
	{Err: catalog.ErrSKUTaken, Code: errs.SkuTaken},
	{Err: catalog.ErrCategoryTaken, Code: errs.CategoryTaken},
	{Err: stock.ErrSKUNotFound, Code: errs.SkuNotFound},
	{Err: stock.ErrInsufficient, Code: errs.StockInsufficient},
	{Err: stock.ErrIdempotencyKeyReused, Code: errs.IdempotencyKeyReused},
}

// handler is the Kitex face of the service: thrift in, domain call, thrift out.
type handler struct {
	catalog *catalog.Service
	stock   *stock.Service
	gate    *stock.Gate
	// gateAnswers counts the gate's answers by outcome (newGateAnswers).
	gateAnswers *prometheus.CounterVec
	log         *slog.Logger
}

var _ productapi.ProductService = (*handler)(nil)

func (h *handler) ListCategories(ctx context.Context, _ *productapi.Empty) (*productapi.ListCategoriesResponse, error) {
	cs, err := h.catalog.Categories(ctx)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	out := &productapi.ListCategoriesResponse{Items: make([]*productapi.Category, len(cs))}
	for i, c := range cs {
		out.Items[i] = toThriftCategory(c)
	}
	return out, nil
}

func (h *handler) CreateCategory(ctx context.Context, req *productapi.CreateCategoryRequest) (*productapi.Category, error) {
	c, err := h.catalog.CreateCategory(ctx, orEmpty(req).Name)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftCategory(c), nil
}

func (h *handler) CreateProduct(ctx context.Context, req *productapi.CreateProductRequest) (*productapi.Product, error) {
	l, err := h.catalog.CreateProduct(ctx, toDomainDraft(orEmpty(req)))
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftProduct(l), nil
}

func (h *handler) UpdateProduct(ctx context.Context, req *productapi.UpdateProductRequest) (*productapi.Product, error) {
	req = orEmpty(req)
	l, err := h.catalog.UpdateProduct(ctx, req.Id, toDomainPatch(req))
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftProduct(l), nil
}

func (h *handler) GetProduct(ctx context.Context, req *productapi.GetProductRequest) (*productapi.Product, error) {
	req = orEmpty(req)
	l, err := h.catalog.Product(ctx, req.Id, req.GetIncludeInactive())
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftProduct(l), nil
}

func (h *handler) ListProducts(ctx context.Context, req *productapi.ListProductsRequest) (*productapi.ListProductsResponse, error) {
	req = orEmpty(req)
	page, err := h.catalog.ListProducts(ctx, catalog.ListRequest{
		Query: req.GetQuery(), CategoryID: req.GetCategoryId(), Sort: req.GetSort(),
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	out := &productapi.ListProductsResponse{Items: make([]*productapi.Product, len(page.Items)), NextPageToken: page.NextToken}
	for i, l := range page.Items {
		out.Items[i] = toThriftProduct(l)
	}
	return out, nil
}

func (h *handler) BatchGetSkus(ctx context.Context, req *productapi.BatchGetSkusRequest) (*productapi.BatchGetSkusResponse, error) {
	details, err := h.catalog.SKUs(ctx, orEmpty(req).Skus)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	out := &productapi.BatchGetSkusResponse{Items: make([]*productapi.SkuDetail, len(details))}
	for i, d := range details {
		out.Items[i] = &productapi.SkuDetail{
			Sku: d.Code, ProductId: d.ProductID, ProductName: d.ProductName,
			Price: toThriftMoney(d.Price), Active: d.Active, Available: d.Available,
		}
	}
	return out, nil
}

func (h *handler) AdjustStock(ctx context.Context, req *productapi.AdjustStockRequest) (*productapi.Stock, error) {
	req = orEmpty(req)
	level, err := h.stock.Adjust(ctx, toDomainAdjustRequest(req))
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftStock(level), nil
}

func (h *handler) GetStock(ctx context.Context, req *productapi.GetStockRequest) (*productapi.Stock, error) {
	level, err := h.stock.Level(ctx, orEmpty(req).Sku)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	return toThriftStock(level), nil
}

// fail answers a failed call the one way every service does (suite.Fail).
func (h *handler) fail(ctx context.Context, err error) error {
	return suite.Fail(ctx, h.log, err, errorTable)
}

// orEmpty stands an empty request in for a nil one, which a client can send by leaving
// the argument out; the domain then reports its missing fields like any others.
func orEmpty[T any](req *T) *T {
	if req == nil {
		return new(T)
	}
	return req
}

func toDomainDraft(req *productapi.CreateProductRequest) catalog.Draft {
	d := catalog.Draft{Name: req.Name, Description: req.Description, CategoryID: req.CategoryId}
	for _, s := range req.Skus {
		if s == nil {
			s = &productapi.NewSku_{} // reported as a SKU with every field missing
		}
		d.SKUs = append(d.SKUs, catalog.SKUDraft{Code: s.Sku, Attributes: s.Attributes, Price: toDomainMoney(s.Price)})
	}
	return d
}

func toDomainAdjustRequest(req *productapi.AdjustStockRequest) stock.AdjustRequest {
	return stock.AdjustRequest{SKU: req.Sku, Delta: req.Delta, Reason: req.Reason, ActorID: req.ActorId, IdempotencyKey: req.IdempotencyKey}
}

func toDomainPatch(req *productapi.UpdateProductRequest) catalog.Patch {
	p := catalog.Patch{Name: req.Name, Description: req.Description, CategoryID: req.CategoryId, Active: req.Active}
	if len(req.Prices) > 0 {
		p.Prices = make(map[string]money.Money, len(req.Prices))
		for code, m := range req.Prices {
			p.Prices[code] = toDomainMoney(m)
		}
	}
	return p
}

// toDomainMoney copies without validating: the domain checks amount and currency and
// reports them by field. A missing price fails both checks.
func toDomainMoney(m *baseapi.Money) money.Money {
	if m == nil {
		return money.Money{}
	}
	return money.Money{Cents: m.AmountCents, Currency: m.Currency}
}

func toThriftMoney(m money.Money) *baseapi.Money {
	return &baseapi.Money{AmountCents: m.Cents, Currency: m.Currency}
}

func toThriftCategory(c catalog.Category) *productapi.Category {
	return &productapi.Category{Id: c.ID, Name: c.Name}
}

func toThriftProduct(l catalog.Listing) *productapi.Product {
	p := l.Product
	out := &productapi.Product{
		Id: p.ID(), Name: p.Name(), Description: p.Description(), Category: toThriftCategory(l.Category),
		Active: p.Active(), CreatedAtMs: p.CreatedAt().UnixMilli(), UpdatedAtMs: p.UpdatedAt().UnixMilli(),
	}
	for _, s := range p.SKUs() {
		attrs := s.Attributes()
		if attrs == nil {
			attrs = map[string]string{} // a required map: never null on the wire
		}
		out.Skus = append(out.Skus, &productapi.Sku{
			Sku: s.Code(), Attributes: attrs, Price: toThriftMoney(s.Price()),
			Available: l.Available[s.Code()], Active: s.Active() && p.Active(),
		})
	}
	return out
}

func toThriftStock(l stock.Level) *productapi.Stock {
	return &productapi.Stock{Sku: l.SKU, Available: l.Available, Reserved: l.Reserved, Sold: l.Sold}
}

// AdmitOrder answers the gate's refusal in the response: it is the gate's answer, not a
// failure.
func (h *handler) AdmitOrder(ctx context.Context, req *productapi.AdmitOrderRequest) (*productapi.AdmitOrderResponse, error) {
	req = orEmpty(req)
	lines := make([]stock.Line, len(req.Lines))
	for i, l := range req.Lines {
		if l != nil { // a null line stays the zero Line, which the gate refuses as invalid
			lines[i] = stock.Line{SKU: l.Sku, Quantity: l.Quantity}
		}
	}
	err := h.gate.Admit(ctx, req.OrderId, lines)
	var short *stock.ShortError
	var unknown *stock.UnknownSKUError
	switch {
	case errors.As(err, &short):
		h.gateAnswers.WithLabelValues(gateStockInsufficient).Inc()
		return &productapi.AdmitOrderResponse{RefusedSku: short.SKU, Reason: errs.StockInsufficient.Name}, nil
	case errors.As(err, &unknown):
		h.gateAnswers.WithLabelValues(gateSKUNotFound).Inc()
		return &productapi.AdmitOrderResponse{RefusedSku: unknown.SKU, Reason: errs.SkuNotFound.Name}, nil
	case err != nil:
		return nil, h.fail(ctx, err)
	}
	h.gateAnswers.WithLabelValues(gateAdmitted).Inc()
	return &productapi.AdmitOrderResponse{}, nil
}

func (h *handler) ReturnAdmission(ctx context.Context, req *productapi.ReturnAdmissionRequest) (*productapi.Empty, error) {
	if err := h.gate.ReturnAdmission(ctx, orEmpty(req).OrderId); err != nil {
		return nil, h.fail(ctx, err)
	}
	return &productapi.Empty{}, nil
}
