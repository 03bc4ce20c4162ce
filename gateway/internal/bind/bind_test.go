package bind

import (
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

type line struct {
	SKU      string `json:"sku" validate:"required,sku"`
	Quantity int64  `json:"quantity" validate:"between=1 99"`
}

type order struct {
	Lines    []line `json:"lines" validate:"max=2,dive"`
	FromCart bool   `json:"from_cart"`
	Note     string `json:"note" validate:"max=5"`
}

func (o order) CrossFieldViolations() []errs.FieldViolation {
	if o.FromCart && len(o.Lines) > 0 {
		return []errs.FieldViolation{{Field: "lines", Reason: "must be absent when from_cart is true"}}
	}
	return nil
}

type page struct {
	Status   string `json:"status" validate:"omitempty,oneof=OPEN SHUT"`
	PageSize *int32 `json:"page_size" validate:"omitempty,between=1 100"`
}

func answer(t *testing.T, err error) (string, map[string]string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code.HTTP != http.StatusBadRequest {
		t.Fatalf("got %v, want a 400 error", err)
	}
	fields := map[string]string{}
	for _, d := range e.Details {
		fields[d.Field] = d.Reason
	}
	return e.Code.Name, fields
}

func TestJSONNamesEveryBadFieldByItsPath(t *testing.T) {
	tests := []struct {
		name, body, code string
		want             map[string]string
	}{
		{name: "wrong_type_deep", body: `{"lines":[{"sku":"MUG-RED","quantity":"2"}]}`, code: "INVALID_ARGUMENT",
			want: map[string]string{"lines[0].quantity": "must be an integer"}},
		{name: "key_twice_any_case", body: `{"note":"a","Note":"b"}`, code: "INVALID_ARGUMENT",
			want: map[string]string{"Note": "appears more than once"}},
		{name: "null", body: `{"note":null}`, code: "INVALID_ARGUMENT",
			want: map[string]string{"note": "must be a string, not null"}},
		{name: "rules_and_cross_field_at_once", body: `{"lines":[{"sku":"x","quantity":0}],"from_cart":true,"note":"toolong"}`,
			code: "INVALID_ARGUMENT", want: map[string]string{
				"lines[0].sku":      "must be a SKU code: 3 to 64 upper-case letters, digits or '-', starting with a letter or digit",
				"lines[0].quantity": "must be between 1 and 99", "note": "must be at most 5 characters",
				"lines": "must be absent when from_cart is true"}},
		{name: "not_utf8", body: "{\"note\":\"\xff\"}", code: "MALFORMED_JSON", want: map[string]string{}},
		{name: "two_values", body: `{} {}`, code: "MALFORMED_JSON", want: map[string]string{}},
	}
	b := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := app.NewContext(0)
			c.Request.SetBody([]byte(tt.body))
			code, fields := answer(t, b.JSON(c, &order{}))
			if code != tt.code || !reflect.DeepEqual(fields, tt.want) {
				t.Errorf("got %s %v, want %s %v", code, fields, tt.code, tt.want)
			}
		})
	}
}

func TestJSONAddsTheCallersViolations(t *testing.T) {
	c := app.NewContext(0)
	c.Request.SetBody([]byte(`{"note":"ok"}`))
	_, fields := answer(t, New().JSON(c, &order{}, errs.FieldViolation{Field: "Idempotency-Key", Reason: "is required"}))
	if want := map[string]string{"Idempotency-Key": "is required"}; !reflect.DeepEqual(fields, want) {
		t.Errorf("got %v, want %v", fields, want)
	}
}

func TestQuery(t *testing.T) {
	c := app.NewContext(0)
	c.Request.SetRequestURI("/x?status=OPEN&page_size=20")
	var p page
	if err := New().Query(c, &p); err != nil || p.Status != "OPEN" || p.PageSize == nil || *p.PageSize != 20 {
		t.Fatalf("got %+v, %v", p, err)
	}
	c = app.NewContext(0)
	c.Request.SetRequestURI("/x?status=AJAR&page_size=many")
	_, fields := answer(t, New().Query(c, &page{}))
	want := map[string]string{"status": "must be one of: OPEN, SHUT", "page_size": "must be an integer"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("got %v, want %v", fields, want)
	}
}
