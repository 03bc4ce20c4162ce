package gateway

import (
	"context"
	"net/http"
	"testing"
	"time"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
)

// The issue found no X-Content-Type-Options, no Cache-Control: no-store on token and
// /me answers, and "Server: hertz" on every answer.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	f := sessionFakes()
	f.products.listCategories = func(context.Context) (*productapi.ListCategoriesResponse, error) {
		return &productapi.ListCategoriesResponse{Items: []*productapi.Category{{Id: categoryID, Name: "Kitchen"}}}, nil
	}
	h := start(t, f, func(c *Config) { c.HSTSMaxAge = 365 * 24 * time.Hour })
	tests := []struct {
		name    string
		call    call
		status  int
		noStore bool
	}{
		{"login_tokens", call{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "ada@example.com", "password": "correct-horse-9"}}, 200, true},
		{"me", call{method: "GET", path: "/api/v1/me", token: h.customer()}, 200, true},
		{"unauthenticated", call{method: "GET", path: "/api/v1/me"}, 401, true},
		{"catalog_read", call{method: "GET", path: "/api/v1/categories"}, 200, false},
		{"unknown_route", call{method: "GET", path: "/nowhere"}, 404, true},
		{"wrong_method", call{method: "DELETE", path: "/api/v1/categories"}, 405, true},
		{"openapi", call{method: "GET", path: "/openapi.json"}, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := h.do(tt.call)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			want := map[string]string{
				"X-Content-Type-Options":    "nosniff",
				"Referrer-Policy":           "no-referrer",
				"X-Frame-Options":           "DENY",
				"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
			}
			for k, v := range want {
				if got := a.header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if s := a.header.Get("Server"); s != "" {
				t.Errorf("Server = %q, want no banner", s)
			}
			if got := a.header.Get("Cache-Control") == "no-store"; got != tt.noStore {
				t.Errorf("Cache-Control = %q, want no-store: %v", a.header.Get("Cache-Control"), tt.noStore)
			}
			if len(a.body) == 0 || a.body[len(a.body)-1] != '\n' {
				t.Errorf("JSON answer does not end with a newline: %q", a.body)
			}
		})
	}
}

func TestNoHSTSUnlessConfigured(t *testing.T) {
	h := start(t, newFakes())
	if a := h.do(call{method: "GET", path: "/nowhere"}); a.header.Get("Strict-Transport-Security") != "" || a.status != http.StatusNotFound {
		t.Fatalf("HSTS sent without GATEWAY_HSTS_MAX_AGE: %v", a.header)
	}
}
