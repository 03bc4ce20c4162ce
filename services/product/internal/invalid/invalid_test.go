package invalid

import (
	"errors"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
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
			var l List
			ok := l.Text("f", c.value, c.min, c.max)
			if ok != (c.reason == "") {
				t.Errorf("Text = %v, want %v", ok, c.reason == "")
			}
			err := l.Err()
			if c.reason == "" {
				if err != nil {
					t.Errorf("Err = %v, want nil", err)
				}
				return
			}
			var bad *Error
			if !errors.As(err, &bad) || len(bad.Fields) != 1 || bad.Fields[0] != (Field{"f", c.reason}) {
				t.Errorf("Err = %v, want f: %s", err, c.reason)
			}
		})
	}
}

func TestErrorListsEveryField(t *testing.T) {
	var l List
	l.Add("name", "is required")
	l.Addf("skus[1].sku", "repeats skus[%d].sku", 0)
	err := l.Err()
	l.Add("late", "added after Err") // must not leak into the returned error
	if got := err.Error(); got != "invalid input: name: is required; skus[1].sku: repeats skus[0].sku" {
		t.Errorf("Error() = %q", got)
	}
	var bad *Error
	if !errors.As(err, &bad) || len(bad.Fields) != 2 || strings.Contains(err.Error(), "late") {
		t.Errorf("fields = %+v", bad)
	}
}
