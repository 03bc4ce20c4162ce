package e2e

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestAnotherCustomersResourcesAreNotFound(t *testing.T) {
	s := newShop(t, nil)
	admin := s.admin()
	sku := s.newSKU(admin, 100, 5)
	owner, other := s.newCustomer("Owner"), s.newCustomer("Other")
	o, p := s.payable(owner, sku, 1)

	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/orders/" + o.ID},
		{"POST", "/api/v1/orders/" + o.ID + "/cancel"},
		{"POST", "/api/v1/orders/" + o.ID + "/confirm-receipt"},
		{"POST", "/api/v1/orders/" + o.ID + "/payments"},
		{"GET", "/api/v1/payments/" + p.ID},
		{"POST", "/api/v1/sandbox/payments/" + p.ID + "/complete"},
		{"DELETE", "/api/v1/me/addresses/" + owner.address},
	} {
		r := s.call(c.method, c.path, other.token, nil, nil)
		if r.status != http.StatusNotFound {
			t.Errorf("%s %s as another customer: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	var list struct {
		Items []order `json:"items"`
	}
	s.must(200, "GET", "/api/v1/orders", other.token, nil, nil).decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("another customer's list shows %d orders", len(list.Items))
	}
	if got := s.order(owner, o.ID); got.Status != "AWAITING_PAYMENT" {
		t.Fatalf("the owner's order was touched: %s", got.Status)
	}
	// Someone else's order as an address: not found either.
	r := s.call("POST", "/api/v1/orders", other.token, map[string]any{"lines": []any{line(sku, 1)}, "address_id": owner.address},
		map[string]string{"Idempotency-Key": "steal-address"})
	if r.status != http.StatusNotFound {
		t.Fatalf("order to another's address: %d %s", r.status, r.body)
	}
}

func TestCustomerOnAdminRoutesIsForbidden(t *testing.T) {
	s := newShop(t, nil)
	c := s.newCustomer("Mallory")
	for _, route := range []struct{ method, path string }{
		{"POST", "/api/v1/admin/products"},
		{"PATCH", "/api/v1/admin/products/0190a6f4-0000-7000-8000-000000000000"},
		{"POST", "/api/v1/admin/skus/KETTLE-RED/stock"},
		{"GET", "/api/v1/admin/skus/KETTLE-RED/stock"},
		{"POST", "/api/v1/admin/orders/0190a6f4-0000-7000-8000-000000000000/ship"},
	} {
		r := s.call(route.method, route.path, c.token, map[string]any{}, nil)
		if r.status != http.StatusForbidden || r.err(t).Code != "FORBIDDEN" {
			t.Errorf("%s %s: %d %s", route.method, route.path, r.status, r.body)
		}
	}
}

func TestBadInputIsRejectedWithEveryField(t *testing.T) {
	s := newShop(t, nil)
	c := s.newCustomer("Val")

	r := s.call("POST", "/api/v1/auth/register", "", `{"email": "x@example.com", "password": `, nil)
	if r.status != http.StatusBadRequest || r.err(t).Code != "MALFORMED_JSON" {
		t.Fatalf("malformed JSON: %d %s", r.status, r.body)
	}
	r = s.call("POST", "/api/v1/auth/register", "", map[string]string{"email": "not-an-email", "password": "short", "name": ""}, nil)
	assertFields(t, r, "email", "name", "password")

	r = s.call("POST", "/api/v1/orders", c.token, map[string]any{
		"lines": []map[string]any{{"sku": "", "quantity": 1}, {"sku": "KETTLE", "quantity": 0}, {"sku": "MUG", "quantity": 1000}},
	}, map[string]string{"Idempotency-Key": "bad-lines"})
	assertFields(t, r, "address_id", "lines[0].sku", "lines[1].quantity", "lines[2].quantity")

	r = s.call("POST", "/api/v1/me/addresses", c.token, map[string]string{"recipient": "V", "line1": "1", "city": "", "postal_code": "$$$", "country": "usa"}, nil)
	assertFields(t, r, "city", "country", "postal_code")

	r = s.call("GET", "/api/v1/products?page_size=1000&sort=cheapest", "", nil, nil)
	assertFields(t, r, "page_size", "sort")
}

// assertFields checks a 400 INVALID_ARGUMENT that names exactly these fields.
func assertFields(t *testing.T, r reply, want ...string) {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", r.status, r.body)
	}
	e := r.err(t)
	var got []string
	for _, d := range e.Details {
		if d.Reason == "" {
			t.Errorf("field %s has no reason", d.Field)
		}
		got = append(got, d.Field)
	}
	sort.Strings(got)
	sort.Strings(want)
	if e.Code != "INVALID_ARGUMENT" || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("code %s fields %v, want INVALID_ARGUMENT %v", e.Code, got, want)
	}
}

func TestTokens(t *testing.T) {
	s := newShop(t, nil)
	c := s.newCustomer("Tom")
	var me struct {
		ID string `json:"id"`
	}
	s.must(200, "GET", "/api/v1/me", c.token, nil, nil).decode(t, &me)

	sign := func(secret string, claims jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	now := time.Now()
	cases := []struct {
		name, token, code string
	}{
		{"missing", "", "UNAUTHENTICATED"},
		{"garbage", "not.a.jwt", "UNAUTHENTICATED"},
		{"forged", sign("someone-elses-secret-0123456789abcdef", jwt.MapClaims{"sub": me.ID, "role": "admin", "exp": now.Add(time.Hour).Unix()}), "UNAUTHENTICATED"},
		{"expired", sign(testJWTSecret, jwt.MapClaims{"sub": me.ID, "role": "customer", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}), "TOKEN_EXPIRED"},
		{"alg_none", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + strings.Split(c.token, ".")[1] + ".", "UNAUTHENTICATED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call("GET", "/api/v1/me", tc.token, nil, nil)
			if r.status != http.StatusUnauthorized || r.err(t).Code != tc.code {
				t.Fatalf("%d %s, want 401 %s", r.status, r.body, tc.code)
			}
		})
	}

	// Refresh rotates: the new pair works; the old refresh token works again only within
	// the reuse grace (a second tab), and logout ends the whole login, access token too.
	var pair struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	s.must(200, "POST", "/api/v1/auth/login", "", map[string]string{"email": c.email, "password": "correct-horse-9"}, nil).decode(t, &pair)
	old := pair.RefreshToken
	s.must(200, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": old}, nil).decode(t, &pair)
	s.must(200, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": old}, nil) // the second tab
	s.must(200, "GET", "/api/v1/me", pair.AccessToken, nil, nil)
	s.must(204, "POST", "/api/v1/auth/logout", pair.AccessToken, map[string]string{"refresh_token": pair.RefreshToken}, nil)
	for _, tok := range []string{pair.RefreshToken, old} {
		if r := s.call("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tok}, nil); r.status != http.StatusUnauthorized {
			t.Fatalf("refresh after logout: %d", r.status)
		}
	}
	if r := s.call("GET", "/api/v1/me", pair.AccessToken, nil, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("the access token sent with logout still works: %d", r.status)
	}
}
