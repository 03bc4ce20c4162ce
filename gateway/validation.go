package gateway

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/text"
)

// validation checks request structs with `validate` tags and names fields by their JSON
// names, so a violation reads "lines[0].quantity" exactly as the client sent it.
type validation struct {
	v *validator.Validate
}

func newValidation() *validation {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(jsonName)
	must := func(err error) {
		if err != nil {
			panic(err) // a bad tag name is a programming error caught by every test run
		}
	}
	// line and text are pkg/text's rule for typed text (a line with a visible character,
	// or any line); the document states them as that package's Pattern.
	must(v.RegisterValidation("line", func(fl validator.FieldLevel) bool { return text.Valid(fl.Field().String(), true) }))
	must(v.RegisterValidation("text", func(fl validator.FieldLevel) bool { return text.Valid(fl.Field().String(), false) }))
	must(v.RegisterValidation("between", between))
	must(v.RegisterValidation("id", func(fl validator.FieldLevel) bool { return ids.Valid(fl.Field().String()) }))
	must(v.RegisterValidation("sku", func(fl validator.FieldLevel) bool { return ids.ValidSKU(fl.Field().String()) }))
	// postal, phone and country mirror the user service's address rules, so a client
	// hears about every bad field in one answer; the e2e suite pins their agreement.
	must(v.RegisterValidation("postal", charset(1, 20, func(r rune) bool {
		return r == ' ' || r == '-' || r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r))
	})))
	must(v.RegisterValidation("phone", charset(5, 20, func(r rune) bool {
		return r == ' ' || r == '-' || r == '+' || r >= '0' && r <= '9'
	})))
	must(v.RegisterValidation("country", func(fl validator.FieldLevel) bool {
		c := fl.Field().String()
		return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
	}))
	must(v.RegisterValidation("currency", func(fl validator.FieldLevel) bool {
		_, err := money.New(0, fl.Field().String()) // the money package owns the rule
		return err == nil
	}))
	return &validation{v: v}
}

// charset accepts strings of lo..hi runes, each allowed by ok.
func charset(lo, hi int, ok func(rune) bool) validator.Func {
	return func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		n := utf8.RuneCountInString(s)
		return n >= lo && n <= hi && strings.IndexFunc(s, func(r rune) bool { return !ok(r) }) < 0
	}
}

// jsonName names a field by its JSON key; fields without one are not client-visible.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// check validates s and returns every violation, plus those the struct reports itself
// through crossField (rules that span fields, like "lines or from_cart").
func (val *validation) check(s any) []errs.FieldViolation {
	var out []errs.FieldViolation
	var verrs validator.ValidationErrors
	if err := val.v.Struct(s); err != nil && !errors.As(err, &verrs) {
		panic(fmt.Sprintf("validate %T: %v", s, err)) // only a non-struct argument gets here
	}
	for _, fe := range verrs {
		out = append(out, errs.FieldViolation{Field: fieldPath(fe), Reason: reason(fe)})
	}
	if cf, ok := s.(crossField); ok {
		out = append(out, cf.crossFieldViolations()...)
	}
	return out
}

// crossField is implemented by request bodies with rules that no single tag expresses.
type crossField interface {
	crossFieldViolations() []errs.FieldViolation
}

// fieldPath drops the Go struct name the validator puts first: "createOrderBody.lines[0].sku".
func fieldPath(fe validator.FieldError) string {
	_, path, found := strings.Cut(fe.Namespace(), ".")
	if !found {
		return fe.Field()
	}
	return path
}

// between=LO HI bounds an integer's value or a string's length in characters.
func between(fl validator.FieldLevel) bool {
	lo, hi, ok := bounds(fl.Param())
	if !ok {
		panic("between: param must be two integers, got " + fl.Param())
	}
	f := fl.Field()
	switch f.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return f.Int() >= lo && f.Int() <= hi
	case reflect.String:
		n := int64(utf8.RuneCountInString(f.String()))
		return n >= lo && n <= hi
	}
	panic("between: unsupported kind " + f.Kind().String())
}

func bounds(param string) (lo, hi int64, ok bool) {
	l, h, found := strings.Cut(param, " ")
	lo, err1 := strconv.ParseInt(l, 10, 64)
	hi, err2 := strconv.ParseInt(h, 10, 64)
	return lo, hi, found && err1 == nil && err2 == nil
}
