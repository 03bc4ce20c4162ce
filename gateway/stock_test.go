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

const adjustStockPath = "/api/v1/admin/skus/MUG-RED/stock"

// The Idempotency-Key header is optional on a stock adjustment; when present it must
// be a key, and it reaches the product service exactly as sent.
func TestAdjustStockIdempotencyKey(t *testing.T) {
	f := newFakes()
	sent := newRecorder()
	f.products.adjustStock = func(_ context.Context, r *productapi.AdjustStockRequest) (*productapi.Stock, error) {
		sent.put("AdjustStock", r)
		return &productapi.Stock{Sku: r.Sku, Available: 15}, nil
	}
	h := start(t, f)
	const body = `{"delta":10,"reason":"restock"}`
	uuid := "0190f5a8-0000-7000-8000-000000000001"
	tests := []struct {
		name   string
		header map[string]string
		want   *string // the key sent to the service
		fault  string  // "": accepted; else the reason reported on the header
	}{
		{"absent", nil, nil, ""},
		{"uuid", map[string]string{"Idempotency-Key": uuid}, &uuid, ""},
		{"exactly_64", map[string]string{"Idempotency-Key": strings.Repeat("k", 64)}, ptr(strings.Repeat("k", 64)), ""},
		{"present_but_empty", map[string]string{"Idempotency-Key": ""}, nil, "must be 1 to 64 of A-Z, a-z, 0-9, '_', '.', ':' or '-'"},
		{"65_chars", map[string]string{"Idempotency-Key": strings.Repeat("k", 65)}, nil, "must be 1 to 64 of A-Z, a-z, 0-9, '_', '.', ':' or '-'"},
		{"space", map[string]string{"Idempotency-Key": "two words"}, nil, "must be 1 to 64 of A-Z, a-z, 0-9, '_', '.', ':' or '-'"},
		{"unicode", map[string]string{"Idempotency-Key": "clé"}, nil, "must be 1 to 64 of A-Z, a-z, 0-9, '_', '.', ':' or '-'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent.reset()
			a := h.do(call{method: "POST", path: adjustStockPath, token: h.admin(), body: body, header: tt.header})
			if tt.fault == "" {
				want := &productapi.AdjustStockRequest{Sku: "MUG-RED", Delta: 10, Reason: "restock", ActorId: adminID, IdempotencyKey: tt.want}
				if got := sent.get("AdjustStock"); a.status != http.StatusOK || !reflect.DeepEqual(got, want) {
					t.Fatalf("status %d, sent %+v, want 200 and %+v: %s", a.status, got, want, a.body)
				}
				assertJSON(t, a.body, `{"sku":"MUG-RED","available":15,"reserved":0,"sold":0}`)
				return
			}
			e := a.expectError(t, http.StatusBadRequest, errs.InvalidArgument.Name)
			if got := details(e); !reflect.DeepEqual(got, map[string]string{"Idempotency-Key": tt.fault}) {
				t.Fatalf("details = %v, want the header's violation alone", e.Details)
			}
			if got := sent.get("AdjustStock"); got != nil {
				t.Fatalf("a request with a bad key reached the product service: %+v", got)
			}
		})
	}
}

func TestAdjustStockReportsABadKeyWithTheBody(t *testing.T) {
	f := newFakes()
	f.products.adjustStock = func(context.Context, *productapi.AdjustStockRequest) (*productapi.Stock, error) {
		t.Error("an invalid adjustment reached the product service")
		return nil, errs.New(errs.Internal).ToBiz()
	}
	h := start(t, f)
	a := h.do(call{method: "POST", path: adjustStockPath, token: h.admin(), body: `{"delta":0,"reason":" "}`,
		header: map[string]string{"Idempotency-Key": "a/b"}})
	e := a.expectError(t, http.StatusBadRequest, errs.InvalidArgument.Name)
	want := map[string]string{
		"Idempotency-Key": "must be 1 to 64 of A-Z, a-z, 0-9, '_', '.', ':' or '-'",
		"delta":           "must not be 0",
		"reason":          "must not be blank",
	}
	if got := details(e); !reflect.DeepEqual(got, want) {
		t.Fatalf("details:\n got  %v\n want %v", got, want)
	}
}

// A key reused with another body is the product service's to find; the gateway
// answers its refusal as 409.
func TestAdjustStockKeyReusedIsAConflict(t *testing.T) {
	f := newFakes()
	f.products.adjustStock = func(context.Context, *productapi.AdjustStockRequest) (*productapi.Stock, error) {
		return nil, errs.New(errs.IdempotencyKeyReused).ToBiz()
	}
	h := start(t, f)
	a := h.do(call{method: "POST", path: adjustStockPath, token: h.admin(), body: `{"delta":11,"reason":"restock"}`,
		header: map[string]string{"Idempotency-Key": "restock-1"}})
	e := a.expectError(t, http.StatusConflict, errs.IdempotencyKeyReused.Name)
	if e.Message != errs.IdempotencyKeyReused.Message {
		t.Errorf("message = %q, want %q", e.Message, errs.IdempotencyKeyReused.Message)
	}
}
