package gateway

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

func TestCreateCategoryRefusesABadName(t *testing.T) {
	f := newFakes()
	f.products.createCategory = func(context.Context, *productapi.CreateCategoryRequest) (*productapi.Category, error) {
		t.Error("an invalid category reached the product service")
		return nil, errs.New(errs.Internal).ToBiz()
	}
	h := start(t, f)
	tests := []struct {
		name, body string
		code       string
		want       map[string]string
	}{
		{"missing", `{}`, errs.InvalidArgument.Name, map[string]string{"name": "is required"}},
		{"empty", `{"name":""}`, errs.InvalidArgument.Name, map[string]string{"name": "is required"}},
		{"blank", `{"name":" \t "}`, errs.InvalidArgument.Name, map[string]string{"name": "must not be blank"}},
		{"too_long", `{"name":"` + strings.Repeat("é", 101) + `"}`, errs.InvalidArgument.Name,
			map[string]string{"name": "must be at most 100 characters"}},
		{"not_a_string", `{"name":7}`, errs.InvalidArgument.Name, map[string]string{"name": "must be a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := h.do(call{method: "POST", path: "/api/v1/admin/categories", token: h.admin(), body: tt.body})
			e := a.expectError(t, http.StatusBadRequest, tt.code)
			if got := details(e); !reflect.DeepEqual(got, tt.want) || len(e.Details) != len(tt.want) {
				t.Fatalf("details = %v, want %v", e.Details, tt.want)
			}
		})
	}
}

// The limit counts characters, not bytes: 100 two-byte characters pass the gateway.
func TestCreateCategoryLimitCountsCharacters(t *testing.T) {
	name := strings.Repeat("é", 100)
	f := newFakes()
	f.products.createCategory = func(_ context.Context, r *productapi.CreateCategoryRequest) (*productapi.Category, error) {
		return &productapi.Category{Id: categoryID, Name: r.Name}, nil
	}
	h := start(t, f)
	a := h.do(call{method: "POST", path: "/api/v1/admin/categories", token: h.admin(), body: map[string]string{"name": name}})
	if a.status != http.StatusCreated {
		t.Fatalf("status %d, want 201: %s", a.status, a.body)
	}
	assertJSON(t, a.body, `{"id":"`+categoryID+`","name":"`+name+`"}`)
}

func TestCreateCategoryServiceRefusals(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		want   map[string]string // details
	}{
		{"name_taken", errs.New(errs.CategoryTaken).ToBiz(), http.StatusConflict, errs.CategoryTaken.Name, map[string]string{}},
		{"service_rule", errs.Invalid(errs.FieldViolation{Field: "name", Reason: "must not contain control characters"}).ToBiz(),
			http.StatusBadRequest, errs.InvalidArgument.Name, map[string]string{"name": "must not contain control characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakes()
			f.products.createCategory = func(context.Context, *productapi.CreateCategoryRequest) (*productapi.Category, error) {
				return nil, tt.err
			}
			h := start(t, f)
			a := h.do(call{method: "POST", path: "/api/v1/admin/categories", token: h.admin(), body: `{"name":"Kitchen"}`})
			if got := details(a.expectError(t, tt.status, tt.code)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("details = %v, want %v", got, tt.want)
			}
		})
	}
}
