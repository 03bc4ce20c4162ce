// Package text holds the product service's rule for free-text fields, which the catalog
// and stock both apply.
package text

import (
	"fmt"
	"unicode/utf8"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// Check records in v why value is not valid UTF-8 of min..max characters (runes, not
// bytes, so a limit means the same in every script), and reports whether it is. min 0
// makes the field optional.
func Check(v *errs.Violations, field, value string, min, max int) bool {
	if !utf8.ValidString(value) {
		v.Add(field, "must be valid UTF-8 text")
		return false
	}
	n := utf8.RuneCountInString(value)
	switch {
	case min > 0 && n == 0:
		v.Add(field, "is required")
	case n < min || n > max:
		if min == 0 {
			v.Add(field, fmt.Sprintf("must be at most %d characters", max))
		} else {
			v.Add(field, fmt.Sprintf("must be %d to %d characters", min, max))
		}
	default:
		return true
	}
	return false
}
