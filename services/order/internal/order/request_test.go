package order

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

const (
	userA = "0194f3a0-0000-7000-8000-0000000000aa"
	addrA = "0194f3a0-0000-7000-8000-0000000000ad"
)

// fieldsOf returns the fields an INVALID_ARGUMENT error names, in order, or fails.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var invalid *errs.Error
	if !errors.As(err, &invalid) || invalid.Code != errs.InvalidArgument {
		t.Fatalf("got %v, want INVALID_ARGUMENT", err)
	}
	fields := make([]string, len(invalid.Details))
	for i, v := range invalid.Details {
		if v.Reason == "" {
			t.Errorf("violation of %s has no reason", v.Field)
		}
		fields[i] = v.Field
	}
	return fields
}

func TestCreateRequestValidation(t *testing.T) {
	valid := CreateRequest{
		UserID: userA, IdempotencyKey: "checkout:2026-11-01_a.b-c", AddressID: addrA,
		Lines: []LineRequest{{"TEE-RED-M", 2}, {"MUG", 99}},
	}
	cases := []struct {
		name   string
		edit   func(r *CreateRequest)
		fields []string // nil: valid
	}{
		{"valid_lines", func(r *CreateRequest) {}, nil},
		{"valid_from_cart", func(r *CreateRequest) { r.Lines, r.FromCart = nil, true }, nil},
		{"every_bad_field_at_once", func(r *CreateRequest) {
			r.UserID, r.IdempotencyKey, r.AddressID = "", "has space", "not-an-id"
			r.Lines = []LineRequest{{"", 0}, {"MUG", 100}, {"TEE/RED", 1}, {"MUG", 1}}
		}, []string{"user_id", "idempotency_key", "address_id", "lines[0].sku", "lines[0].quantity",
			"lines[1].quantity", "lines[2].sku", "lines[3].sku"}},
		{"missing_address", func(r *CreateRequest) { r.AddressID = "" }, []string{"address_id"}},
		{"key_too_long", func(r *CreateRequest) { r.IdempotencyKey = strings.Repeat("k", 65) }, []string{"idempotency_key"}},
		{"key_at_limit", func(r *CreateRequest) { r.IdempotencyKey = strings.Repeat("k", 64) }, nil},
		{"empty_key", func(r *CreateRequest) { r.IdempotencyKey = "" }, []string{"idempotency_key"}},
		{"neither_lines_nor_cart", func(r *CreateRequest) { r.Lines = nil }, []string{"lines"}},
		{"both_lines_and_cart", func(r *CreateRequest) { r.FromCart = true }, []string{"lines"}},
		{"too_many_lines", func(r *CreateRequest) { r.Lines = make([]LineRequest, 51) }, []string{"lines"}},
		{"negative_quantity", func(r *CreateRequest) { r.Lines[1].Quantity = -1 }, []string{"lines[1].quantity"}},
		{"duplicate_sku", func(r *CreateRequest) { r.Lines[1].SKU = "TEE-RED-M" }, []string{"lines[1].sku"}},
		{"sku_too_long", func(r *CreateRequest) { r.Lines[0].SKU = strings.Repeat("S", 65) }, []string{"lines[0].sku"}},
		{"sku_lower_case", func(r *CreateRequest) { r.Lines[0].SKU = "tee-red-m" }, []string{"lines[0].sku"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := valid
			r.Lines = append([]LineRequest(nil), valid.Lines...)
			tc.edit(&r)
			err := r.validate(50)
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("valid request refused: %v", err)
				}
				return
			}
			if got := fieldsOf(t, err); !reflect.DeepEqual(got, tc.fields) {
				t.Fatalf("fields %v, want %v", got, tc.fields)
			}
		})
	}
}

func TestDuplicateSKUNamesTheFirstLine(t *testing.T) {
	r := CreateRequest{UserID: userA, IdempotencyKey: "k", AddressID: addrA,
		Lines: []LineRequest{{"SKU-A", 1}, {"SKU-B", 1}, {"SKU-A", 2}}}
	var invalid *errs.Error
	if !errors.As(r.validate(50), &invalid) || invalid.Code != errs.InvalidArgument || len(invalid.Details) != 1 {
		t.Fatalf("got %v", invalid)
	}
	if v := invalid.Details[0]; v.Field != "lines[2].sku" || !strings.Contains(v.Reason, "lines[0].sku") {
		t.Fatalf("violation %+v", v)
	}
}

func TestFingerprint(t *testing.T) {
	base := CreateRequest{UserID: userA, IdempotencyKey: "k1", AddressID: addrA,
		Lines: []LineRequest{{"A", 1}, {"B", 2}}}
	same := base
	same.IdempotencyKey = "another-key" // the key names the request; it is not part of it
	if base.fingerprint() != same.fingerprint() {
		t.Fatal("the same request fingerprints differently")
	}
	if len(base.fingerprint()) != 64 {
		t.Fatalf("fingerprint %q is not hex SHA-256", base.fingerprint())
	}
	differs := map[string]CreateRequest{
		"quantity":   {UserID: userA, AddressID: addrA, Lines: []LineRequest{{"A", 1}, {"B", 3}}},
		"line_order": {UserID: userA, AddressID: addrA, Lines: []LineRequest{{"B", 2}, {"A", 1}}},
		"address":    {UserID: userA, AddressID: userA, Lines: base.Lines},
		"from_cart":  {UserID: userA, AddressID: addrA, FromCart: true},
	}
	for name, r := range differs {
		t.Run(name, func(t *testing.T) {
			if r.fingerprint() == base.fingerprint() {
				t.Fatal("a different request has the same fingerprint")
			}
		})
	}
	// The encoding keeps field boundaries: naive concatenation would read both as "A12".
	a12 := CreateRequest{AddressID: addrA, Lines: []LineRequest{{"A1", 2}}}
	a1x2 := CreateRequest{AddressID: addrA, Lines: []LineRequest{{"A", 12}}}
	if a12.fingerprint() == a1x2.fingerprint() {
		t.Fatal("fields run into each other")
	}
}

func TestListRequestValidation(t *testing.T) {
	token := Cursor{CreatedAt: t0, ID: "0194f3a0-0000-7000-8000-000000000001"}.token()
	cases := []struct {
		name     string
		req      ListRequest
		fields   []string
		wantSize int
	}{
		{"defaults", ListRequest{UserID: userA}, nil, DefaultPageSize},
		{"every_user", ListRequest{Status: "PENDING"}, nil, DefaultPageSize},
		{"all_set", ListRequest{UserID: userA, Status: "PAID", PageSize: 100, PageToken: token}, nil, 100},
		{"every_bad_field", ListRequest{UserID: "x", Status: "paid", PageSize: 101, PageToken: "garbage"},
			[]string{"user_id", "status", "page_size", "page_token"}, 0},
		{"negative_size", ListRequest{UserID: userA, PageSize: -1}, []string{"page_size"}, 0},
		{"token_of_another_shape", ListRequest{UserID: userA, PageToken: "djE6MTIzOm5vdC1hbi1pZA"}, []string{"page_token"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := tc.req.validate()
			if tc.fields != nil {
				if got := fieldsOf(t, err); !reflect.DeepEqual(got, tc.fields) {
					t.Fatalf("fields %v, want %v", got, tc.fields)
				}
				return
			}
			if err != nil || q.size != tc.wantSize {
				t.Fatalf("got %+v, %v", q, err)
			}
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := Cursor{CreatedAt: t0.Add(123456 * time.Microsecond), ID: "0194f3a0-0000-7000-8000-000000000001"}
	got, ok := parseCursor(c.token())
	if !ok || !got.CreatedAt.Equal(c.CreatedAt) || got.ID != c.ID {
		t.Fatalf("round trip: %+v %v", got, ok)
	}
	for _, bad := range []string{"", "%%%", c.token()[:10], "djI6MTIzOjAxOTRmM2EwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMQ"} {
		if _, ok := parseCursor(bad); ok {
			t.Errorf("parseCursor(%q) accepted garbage", bad)
		}
	}
}

func TestNewShipment(t *testing.T) {
	cases := []struct {
		name, carrier, tracking string
		fields                  []string
	}{
		{"valid", "  DHL Express ", "JD014600006281", nil},
		{"unicode_at_limit", strings.Repeat("é", 50), strings.Repeat("9", 100), nil},
		{"both_missing", " ", "", []string{"carrier", "tracking_no"}},
		{"both_too_long", strings.Repeat("é", 51), strings.Repeat("9", 101), []string{"carrier", "tracking_no"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewShipment(tc.carrier, tc.tracking, t0)
			if tc.fields != nil {
				if got := fieldsOf(t, err); !reflect.DeepEqual(got, tc.fields) {
					t.Fatalf("fields %v, want %v", got, tc.fields)
				}
				return
			}
			if err != nil || s.Carrier != strings.TrimSpace(tc.carrier) || !s.ShippedAt.Equal(t0) {
				t.Fatalf("got %+v, %v", s, err)
			}
		})
	}
}
