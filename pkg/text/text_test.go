package text

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

func TestReason(t *testing.T) {
	for _, c := range []struct {
		in       string
		min, max int
		want     string
	}{
		{"Ann", 1, 100, ""},
		{"  Ann Lee\t", 1, 100, ""},
		{"Ann\u00a0Lee", 1, 100, ""},
		{"", 0, 100, ""},
		{" \t ", 0, 100, ""},
		{"", 1, 100, "is required"},
		{" \n", 1, 100, "is required"},
		{"Ann\tLee", 1, 100, "must not contain control characters"},
		{"Ann\u0085Lee", 1, 100, "must not contain control characters"},
		{"Ann\u202Enimda", 1, 100, "must not contain invisible formatting characters (bidi controls, zero-width characters)"},
		{"An\u200Bn", 1, 100, "must not contain invisible formatting characters (bidi controls, zero-width characters)"},
		{"\xff", 1, 100, "must be valid UTF-8"},
		{"Zoë", 1, 3, ""},
		{"Zoë!", 1, 3, "must be 1 to 3 characters"},
		{"Zoë!", 0, 3, "must be at most 3 characters"},
	} {
		if got := Reason(c.in, c.min, c.max); got != c.want {
			t.Errorf("Reason(%q, %d, %d) = %q, want %q", c.in, c.min, c.max, got, c.want)
		}
	}
}

// The document's pattern is the rule: Go's regexp (after translating the \u escapes to
// RE2's \x{...}) must agree with Valid on lines built from the characters that matter.
func TestPatternAgreesWithValid(t *testing.T) {
	pieces := []string{"a", "Zoë", "李", "😀", " ", "\u00a0", "\u3000", "\t", "\n", "\u0085", "\u0000",
		"\u007f", "\u009f", "\u200b", "\u202e", "\u00ad", "\ufeff", "\U000e0001", "\U0001d173", "\u2028", "-", "'"}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, required := range []bool{true, false} {
		re := regexp.MustCompile(regexp.MustCompile(`\\u([0-9A-F]{4})`).ReplaceAllString(Pattern(required), `\x{$1}`))
		for range 20000 {
			var b strings.Builder
			for range rng.IntN(6) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			s := b.String()
			if got, want := re.MatchString(s), Valid(s, required); got != want {
				t.Fatalf("required=%v %q: pattern says %v, Valid says %v", required, s, got, want)
			}
		}
	}
	if p := Pattern(true); strings.ContainsFunc(p, func(r rune) bool { return r > 0x7E }) {
		t.Fatalf("pattern has characters beyond ASCII: %q", p)
	}
}
