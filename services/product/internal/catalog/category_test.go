package catalog

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

// categoryStore records the categories the service asks it to save and answers err.
type categoryStore struct {
	Store
	saved []Category
	err   error
}

func (c *categoryStore) CreateCategory(_ context.Context, cat Category) error {
	c.saved = append(c.saved, cat)
	return c.err
}

func TestCreateCategoryValidatesTheName(t *testing.T) {
	cases := []struct {
		name     string
		input    string
		wantName string // the name saved; "" when the input is refused
		reason   string // the violation of field "name" when refused
	}{
		{"valid", "Tea", "Tea", ""},
		{"surrounding spaces trimmed", " \t Brewing gear \n", "Brewing gear", ""},
		{"at the limit in runes, over it in bytes", strings.Repeat("é", MaxCategoryNameLen), strings.Repeat("é", MaxCategoryNameLen), ""},
		{"spaces inside kept", "Loose  leaf tea", "Loose  leaf tea", ""},
		{"empty", "", "", "is required"},
		{"spaces only", "   \t ", "", "is required"},
		{"too long", strings.Repeat("é", MaxCategoryNameLen+1), "", "must be 1 to 100 characters"},
		{"control character", "Tea\x00Time", "", "must not contain control characters"},
		{"line break inside", "Tea\nTime", "", "must not contain control characters"},
		{"not UTF-8", "Tea\xff", "", "must be valid UTF-8 text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			store := &categoryStore{}
			got, err := NewService(store, "USD", time.Now).CreateCategory(context.Background(), c.input)
			if c.reason != "" {
				var bad *errs.Error
				if !errors.As(err, &bad) || bad.Code != errs.InvalidArgument ||
					!slices.Equal(bad.Details, []errs.FieldViolation{{Field: "name", Reason: c.reason}}) {
					t.Fatalf("error = %v, want INVALID_ARGUMENT name: %s", err, c.reason)
				}
				if len(store.saved) != 0 {
					t.Errorf("saved %+v, want nothing saved", store.saved)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateCategory(%q): %v", c.input, err)
			}
			if got.Name != c.wantName || !ids.Valid(got.ID) {
				t.Errorf("category = %+v, want name %q and a fresh id", got, c.wantName)
			}
			if !slices.Equal(store.saved, []Category{got}) {
				t.Errorf("saved %+v, want exactly %+v", store.saved, got)
			}
		})
	}
}

func TestCreateCategoryReportsATakenName(t *testing.T) {
	svc := NewService(&categoryStore{err: ErrCategoryTaken}, "USD", time.Now)
	if c, err := svc.CreateCategory(context.Background(), "Tea"); !errors.Is(err, ErrCategoryTaken) || c != (Category{}) {
		t.Fatalf("CreateCategory = %+v, %v; want no category and ErrCategoryTaken", c, err)
	}
}

func TestNameKeyIgnoresCaseAndSurroundingSpace(t *testing.T) {
	same := [][2]string{{"Tea", "TEA"}, {" tea ", "tEa"}, {"Éclairs", "éCLAIRS"}, {"İstanbul", "istanbul"}}
	for _, p := range same {
		if NameKey(p[0]) != NameKey(p[1]) {
			t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q; want equal", p[0], NameKey(p[0]), p[1], NameKey(p[1]))
		}
	}
	if NameKey("Tea") == NameKey("Teas") {
		t.Error("different names share a key")
	}
	// The key column is as long as the name column, so a key must never have more
	// characters than its name.
	long := strings.Repeat("İ", MaxCategoryNameLen)
	if n := len([]rune(NameKey(long))); n != MaxCategoryNameLen {
		t.Errorf("key of %d characters has %d", MaxCategoryNameLen, n)
	}
}
