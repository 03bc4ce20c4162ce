package account

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkText returns why s (already trimmed) is not a line of min..max runes of printable
// text, or "" when it is. min 0 makes the field optional.
func checkText(s string, min, max int) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "must not contain control characters"
	}
	// Format characters are invisible: bidi overrides make "Ann\u202Enimda" display as
	// "Annadmin", zero-width ones make two names that look the same differ.
	if strings.IndexFunc(s, isFormat) >= 0 {
		return "must not contain invisible formatting characters (bidi controls, zero-width characters)"
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		return "is required"
	case n > max && min == 0:
		return fmt.Sprintf("must be at most %d characters", max)
	case n < min || n > max:
		return fmt.Sprintf("must be %d to %d characters", min, max)
	}
	return ""
}

func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

// checkCharset returns why s is not min..max characters all accepted by allowed, or "".
func checkCharset(s string, min, max int, allowed func(rune) bool, describe string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		return "is required"
	case n < min || n > max || strings.IndexFunc(s, func(r rune) bool { return !allowed(r) }) >= 0:
		return fmt.Sprintf("must be %d to %d characters of %s", min, max, describe)
	}
	return ""
}
