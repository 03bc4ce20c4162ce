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

// A stored fingerprint must keep its meaning across releases: the value of a fixed
// input is pinned, and a change of any field changes it.
func TestFingerprint(t *testing.T) {
	type v1 struct {
		Version int    `json:"v"`
		SKU     string `json:"sku"`
	}
	got := Fingerprint(v1{1, "MUG-RED"})
	// sha256 of {"v":1,"sku":"MUG-RED"}
	if want := "fb64d5dfe3c4b4ac90dc4527087f0e5f78742a408b767ff3f1aa37510fb41065"; got != want {
		t.Fatalf("Fingerprint = %s, want %s", got, want)
	}
	if Fingerprint(v1{1, "MUG-BLUE"}) == got || Fingerprint(v1{2, "MUG-RED"}) == got {
		t.Fatal("different requests share a fingerprint")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a value that cannot be marshalled did not panic")
		}
	}()
	Fingerprint(func() {})
}
