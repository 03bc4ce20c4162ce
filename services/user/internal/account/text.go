package account

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cartwheel-shop/cartwheel/pkg/text"
)

// checkText returns why s is not a line of min..max characters (pkg/text, the rule the
// gateway and the OpenAPI document share), or "". min 0 makes the field optional.
func checkText(s string, min, max int) string { return text.Reason(s, min, max) }

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
