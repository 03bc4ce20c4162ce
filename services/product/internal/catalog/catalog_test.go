package catalog

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// fakeStore serves the service tests that need no database. Methods it does not
// override panic through the nil embedded interface, which fails the test loudly.
type fakeStore struct {
	Store
	products map[string]Listing
	skus     []SKUDetail
	asked    [][]string // the codes of each SKUDetails call
}

func (f *fakeStore) Product(_ context.Context, id string) (Listing, error) {
	l, ok := f.products[id]
	if !ok {
		return Listing{}, ErrProductNotFound
	}
	return l, nil
}

func (f *fakeStore) SKUDetails(_ context.Context, codes []string) ([]SKUDetail, error) {
	f.asked = append(f.asked, codes)
	var out []SKUDetail
	for _, d := range f.skus {
		if slices.Contains(codes, d.Code) {
			out = append(out, d)
		}
	}
	slices.Reverse(out) // the store promises no order; the service must restore it
	return out, nil
}

func TestProductHidesInactiveProducts(t *testing.T) {
	const activeID, inactiveID = "01935e1c-0000-7000-8000-000000000001", "01935e1c-0000-7000-8000-000000000002"
	off := false
	inactive, _ := NewProduct(inactiveID, validDraft(), "USD", t0)
	if err := inactive.Apply(Patch{Active: &off}, "USD", t0); err != nil {
		t.Fatal(err)
	}
	active, _ := NewProduct(activeID, validDraft(), "USD", t0)
	store := &fakeStore{products: map[string]Listing{activeID: {Product: active}, inactiveID: {Product: inactive}}}
	svc := NewService(store, "USD", time.Now)
	cases := []struct {
		name            string
		id              string
		includeInactive bool
		wantErr         error
	}{
		{"active", activeID, false, nil},
		{"inactive for a customer", inactiveID, false, ErrProductNotFound},
		{"inactive for staff", inactiveID, true, nil},
		{"unknown", "01935e1c-0000-7000-8000-000000000003", true, ErrProductNotFound},
		{"malformed id, never looked up", "'; DROP TABLE products", true, ErrProductNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := svc.Product(context.Background(), c.id, c.includeInactive)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("Product(%q) error = %v, want %v", c.id, err, c.wantErr)
			}
			if err == nil && l.Product.ID() != c.id {
				t.Errorf("got product %s, want %s", l.Product.ID(), c.id)
			}
		})
	}
}

func TestSKUsAnswersInRequestOrderOnce(t *testing.T) {
	store := &fakeStore{skus: []SKUDetail{{Code: "AAA-1"}, {Code: "BBB-2"}, {Code: "CCC-3"}}}
	svc := NewService(store, "USD", time.Now)
	got, err := svc.SKUs(context.Background(), []string{"CCC-3", "nope", "AAA-1", "CCC-3", "ZZZ-9"})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, d := range got {
		codes = append(codes, d.Code)
	}
	if !slices.Equal(codes, []string{"CCC-3", "AAA-1"}) {
		t.Errorf("codes = %v, want [CCC-3 AAA-1]: request order, duplicates once, unknown absent", codes)
	}
	if want := [][]string{{"CCC-3", "AAA-1", "ZZZ-9"}}; !slices.EqualFunc(store.asked, want, slices.Equal) {
		t.Errorf("store asked for %v, want %v (malformed and repeated codes filtered out)", store.asked, want)
	}
}

func TestSKUsBatchSize(t *testing.T) {
	svc := NewService(&fakeStore{}, "USD", time.Now)
	for _, n := range []int{0, MaxBatch + 1} {
		_, err := svc.SKUs(context.Background(), make([]string, n))
		if got := fieldsOf(t, err); !slices.Equal(got, []string{"skus"}) {
			t.Errorf("%d codes: invalid fields = %q, want skus", n, got)
		}
	}
	got, err := svc.SKUs(context.Background(), []string{"lower-case", "x"})
	if err != nil || len(got) != 0 {
		t.Errorf("only malformed codes: %v, %v; want nothing found and no error", got, err)
	}
}
