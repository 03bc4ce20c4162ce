package catalog

import (
	"strings"
	"unicode"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/text"
)

// MaxCategoryNameLen is the longest category name in characters, what the column holds.
const MaxCategoryNameLen = 100

// Category groups products. Admins create categories; they cannot be renamed or
// deleted yet, since products reference them (docs/decisions.md).
type Category struct {
	ID   string
	Name string
}

// NewCategory validates name, trimmed of surrounding white space, and returns the
// category it names. Whether another category has the name already is for the store
// to say.
func NewCategory(id, name string) (Category, error) {
	var l errs.Violations
	name = strings.TrimSpace(name)
	if text.Check(&l, "name", name, 1, MaxCategoryNameLen) && strings.ContainsFunc(name, unicode.IsControl) {
		l.Add("name", "must not contain control characters")
	}
	if err := l.Err(); err != nil {
		return Category{}, err
	}
	return Category{ID: id, Name: name}, nil
}

// NameKey is the form in which two category names that differ only in case are equal,
// which the store keeps unique. It lower-cases with Go's Unicode rules, the same on
// every engine, and keeps the name's length in characters.
func NameKey(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}
