package gateway

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// signed mints a token with the gateway's secret but arbitrary claims and algorithm.
func (h *harness) signed(m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	h.t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

func TestAuthRefusesBadTokens(t *testing.T) {
	f := newFakes()
	f.users.getUser = func(context.Context, *userapi.GetUserRequest) (*userapi.User, error) {
		return sampleUser(customerID, token.RoleCustomer), nil
	}
	h := start(t, f)
	now := time.Now()
	claims := func(exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"iss": "cartwheel-gateway", "sub": customerID, "role": "customer",
			"iat": now.Add(-time.Hour).Unix(), "exp": exp.Unix(), "jti": "x"}
	}
	secret := []byte(h.cfg.JWTSecret)
	tests := []struct {
		name   string
		header string
		status int
		code   string
	}{
		{"missing", "", http.StatusUnauthorized, errs.Unauthenticated.Name},
		{"not_bearer", "Basic YWRhOnB3", http.StatusUnauthorized, errs.Unauthenticated.Name},
		{"bearer_without_token", "Bearer ", http.StatusUnauthorized, errs.Unauthenticated.Name},
		{"garbled", "Bearer abc.def.ghi", http.StatusUnauthorized, errs.Unauthenticated.Name},
		{"forged", "Bearer " + h.signed(jwt.SigningMethodHS256, []byte("an-attacker-secret-of-32-bytes!!"), claims(now.Add(time.Hour))),
			http.StatusUnauthorized, errs.Unauthenticated.Name},
		{"alg_none", "Bearer " + h.signed(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(now.Add(time.Hour))),
			http.StatusUnauthorized, errs.Unauthenticated.Name},
		{"alg_hs512", "Bearer " + h.signed(jwt.SigningMethodHS512, secret, claims(now.Add(time.Hour))),
			http.StatusUnauthorized, errs.Unauthenticated.Name},
		{"expired", "Bearer " + h.signed(jwt.SigningMethodHS256, secret, claims(now.Add(-time.Minute))),
			http.StatusUnauthorized, errs.TokenExpired.Name},
		{"valid", "Bearer " + h.signed(jwt.SigningMethodHS256, secret, claims(now.Add(time.Hour))), http.StatusOK, ""},
		{"valid_lowercase_scheme", "bearer " + h.customer(), http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := h.do(call{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": tt.header}})
			if tt.code == "" {
				if a.status != tt.status {
					t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
				}
				return
			}
			a.expectError(t, tt.status, tt.code)
		})
	}
}

func TestAdminRoutesNeedAdminRole(t *testing.T) {
	f := newFakes()
	f.products.getStock = func(_ context.Context, r *productapi.GetStockRequest) (*productapi.Stock, error) {
		return &productapi.Stock{Sku: r.Sku, Available: 3}, nil
	}
	f.orders.shipOrder = func(context.Context, *orderapi.ShipOrderRequest) (*orderapi.Order, error) {
		t.Error("a customer's ship request reached the order service")
		return nil, errs.New(errs.Internal).ToBiz()
	}
	h := start(t, f)
	adminRoutes := []call{
		{method: "POST", path: "/api/v1/admin/categories", body: map[string]any{"name": "Kitchen"}},
		{method: "POST", path: "/api/v1/admin/products", body: map[string]any{}},
		{method: "PATCH", path: "/api/v1/admin/products/" + productID, body: map[string]any{}},
		{method: "GET", path: "/api/v1/admin/skus/MUG-RED/stock"},
		{method: "POST", path: "/api/v1/admin/skus/MUG-RED/stock", body: map[string]any{}},
		{method: "POST", path: "/api/v1/admin/orders/" + orderID + "/ship", body: map[string]any{"carrier": "UPS", "tracking_no": "1Z"}},
	}
	for _, c := range adminRoutes {
		t.Run("customer"+c.path, func(t *testing.T) {
			c.token = h.customer()
			h.do(c).expectError(t, http.StatusForbidden, errs.Forbidden.Name)
		})
		t.Run("anonymous"+c.path, func(t *testing.T) {
			c.token = ""
			h.do(c).expectError(t, http.StatusUnauthorized, errs.Unauthenticated.Name)
		})
	}
	t.Run("admin_is_admitted", func(t *testing.T) {
		a := h.do(call{method: "GET", path: "/api/v1/admin/skus/MUG-RED/stock", token: h.admin()})
		if a.status != http.StatusOK {
			t.Fatalf("admin refused: %d %s", a.status, a.body)
		}
	})
}

func TestPublicRoutesNeedNoToken(t *testing.T) {
	f := newFakes()
	f.products.listCategories = func(context.Context) (*productapi.ListCategoriesResponse, error) {
		return &productapi.ListCategoriesResponse{}, nil
	}
	h := start(t, f)
	if a := h.do(call{method: "GET", path: "/api/v1/categories"}); a.status != http.StatusOK {
		t.Fatalf("catalog read without token: %d %s", a.status, a.body)
	}
}
