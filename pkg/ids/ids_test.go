package ids

import (
	"strings"
	"testing"
)

func TestValidIdempotencyKey(t *testing.T) {
	cases := []struct {
		name string
		key  string
		want bool
	}{
		{"uuid", New(), true},
		{"every allowed punctuation", "checkout:cart_1.v2-3", true},
		{"one character", "k", true},
		{"longest", strings.Repeat("k", MaxIdempotencyKeyLen), true},
		{"empty", "", false},
		{"too long", strings.Repeat("k", MaxIdempotencyKeyLen+1), false},
		{"space", "two words", false},
		{"slash", "a/b", false},
		{"newline at the end", "key\n", false},
		{"non-ASCII letter", "clé", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ValidIdempotencyKey(c.key); got != c.want {
				t.Errorf("ValidIdempotencyKey(%q) = %v, want %v", c.key, got, c.want)
			}
		})
	}
}
