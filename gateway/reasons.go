package gateway

import (
	"math"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/cartwheel-shop/cartwheel/pkg/text"
)

// reason turns a failed rule into the sentence a client developer reads.
func reason(fe validator.FieldError) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required":
		return "is required"
	case "line", "text":
		min := 0
		if fe.Tag() == "line" {
			min = 1
		}
		s, _ := fe.Value().(string)
		if r := text.Reason(s, min, math.MaxInt); r != "" {
			if r == "is required" {
				return "must not be blank"
			}
			return r
		}
		return "is invalid"
	case "between":
		lo, hi, _ := strings.Cut(p, " ")
		return "must be between " + lo + " and " + hi + unit(fe.Kind())
	case "min", "gte":
		return "must be at least " + p + unit(fe.Kind())
	case "max", "lte":
		return "must be at most " + p + unit(fe.Kind())
	case "ne":
		return "must not be " + p
	case "oneof":
		return "must be one of: " + strings.Join(strings.Fields(p), ", ")
	case "email":
		return "must be an email address"
	case "id":
		return "must be a valid id"
	case "sku":
		return "must be a SKU code: 3 to 64 upper-case letters, digits or '-', starting with a letter or digit"
	case "postal":
		return "must be 1 to 20 letters, digits, spaces and hyphens"
	case "phone":
		return "must be 5 to 20 digits, spaces, hyphens and +"
	case "currency":
		return "must be a three-letter upper-case currency code, e.g. USD"
	case "iso3166_1_alpha2", "country":
		return "must be a two-letter upper-case country code, e.g. US"
	}
	return "is invalid"
}

// unit says what a bound counts, so "at most 100" cannot be misread.
func unit(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return " characters"
	case reflect.Slice, reflect.Map, reflect.Array:
		return " items"
	}
	return ""
}
