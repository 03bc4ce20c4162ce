package gateway

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/rpcinfo"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
)

// productHandler is a product service with two methods; the rest panic if called.
type productHandler struct {
	productapi.ProductService
}

func (*productHandler) ListCategories(context.Context, *productapi.Empty) (*productapi.ListCategoriesResponse, error) {
	return &productapi.ListCategoriesResponse{Items: []*productapi.Category{{Id: categoryID, Name: "Kitchen"}}}, nil
}

func (*productHandler) ListProducts(context.Context, *productapi.ListProductsRequest) (*productapi.ListProductsResponse, error) {
	return nil, errs.Invalid(errs.FieldViolation{Field: "page_token", Reason: "is not a token we issued"}).ToBiz()
}

func (*productHandler) GetProduct(context.Context, *productapi.GetProductRequest) (*productapi.Product, error) {
	return nil, errs.New(errs.ProductNotFound).ToBiz()
}

// serveProduct runs a real Kitex product server registered in reg.
func serveProduct(t *testing.T, reg *registry.Static) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := productservice.NewServer(&productHandler{}, suite.ServerOptions(ProductService, ln, reg)...)
	done := make(chan error, 1)
	go func() { done <- srv.Run() }()
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stop product server: %v", err)
		}
		<-done
	})
	target := rpcinfo.NewEndpointInfo(ProductService, "", nil, nil)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := reg.Resolve(t.Context(), reg.Target(t.Context(), target)); err == nil {
			return
		}
	}
	t.Fatal("the product server never registered")
}

// TestRealKitexHop drives the gateway's own Kitex clients against a real server:
// answers and catalogued errors (with their details) cross the wire, and a service
// with no instance is UNAVAILABLE.
func TestRealKitexHop(t *testing.T) {
	h := start(t, nil)
	serveProduct(t, h.reg)

	a := h.do(call{method: "GET", path: "/api/v1/categories"})
	if a.status != http.StatusOK {
		t.Fatalf("categories: %d %s", a.status, a.body)
	}
	assertJSON(t, a.body, `{"items":[{"id":"`+categoryID+`","name":"Kitchen"}]}`)

	h.do(call{method: "GET", path: "/api/v1/products/" + productID}).
		expectError(t, http.StatusNotFound, errs.ProductNotFound.Name)

	e := h.do(call{method: "GET", path: "/api/v1/products?page_token=forged"}).
		expectError(t, http.StatusBadRequest, errs.InvalidArgument.Name)
	if len(e.Details) != 1 || e.Details[0].Field != "page_token" {
		t.Fatalf("service details lost on the wire: %+v", e.Details)
	}

	h.do(call{method: "GET", path: "/api/v1/payments/" + paymentID, token: h.customer()}).
		expectError(t, http.StatusServiceUnavailable, errs.Unavailable.Name)
}
