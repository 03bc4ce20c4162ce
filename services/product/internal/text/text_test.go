package text

import (
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		name     string
		value    string
		min, max int
		reason   string // "" when valid
	}{
		{"required and missing", "", 1, 5, "is required"},
		{"optional and missing", "", 0, 5, ""},
		{"at the limit in runes, over it in bytes", "ééééé", 1, 5, ""},
		{"over the limit", "éééééé", 1, 5, "must be 1 to 5 characters"},
		{"over an optional limit", "abcdef", 0, 5, "must be at most 5 characters"},
		{"below a minimum above one", "a", 2, 5, "must be 2 to 5 characters"},
		{"not UTF-8", "a\xffb", 0, 5, "must be valid UTF-8 text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v errs.Violations
			ok := Check(&v, "f", c.value, c.min, c.max)
			if ok != (c.reason == "") {
				t.Errorf("Check = %v, want %v", ok, c.reason == "")
			}
			if c.reason == "" {
				if len(v) != 0 {
					t.Errorf("violations %v, want none", v)
				}
				return
			}
			if len(v) != 1 || v[0] != (errs.FieldViolation{Field: "f", Reason: c.reason}) {
				t.Errorf("violations %v, want f: %s", v, c.reason)
			}
		})
	}
}
