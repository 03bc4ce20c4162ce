// Package bind reads requests at the gateway's edge: it decodes JSON bodies and query
// parameters into request structs and validates them, naming every bad field by the
// path the client sent.
package bind

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// JSON decodes the request body into dst and validates it. more carries violations
// the handler found elsewhere (a header), so the client hears about all of them at once.
// Unknown fields are ignored: a newer client may send fields this gateway predates.
func (b *Binder) JSON(c *app.RequestContext, dst any, more ...errs.FieldViolation) error {
	if err := decodeJSON(c.Request.Body(), dst); err != nil {
		return err
	}
	if v := append(more, b.check(dst)...); len(v) > 0 {
		return errs.Invalid(v...)
	}
	return nil
}

// decodeJSON refuses what encoding/json would let through silently: bytes that are not
// UTF-8 (it would turn them into U+FFFD), values of the wrong type and keys given twice
// (INVALID_ARGUMENT naming every such field by its full path, see shapeOf).
func decodeJSON(body []byte, dst any) error {
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' {
		return errs.Newf(errs.MalformedJSON, "the request body must be a JSON object")
	}
	if !utf8.Valid(body) {
		return errs.Newf(errs.MalformedJSON, "the request body must be UTF-8")
	}
	violations, err := shapeOf(body, reflect.TypeOf(dst))
	if err != nil {
		return malformed(err)
	}
	if len(violations) > 0 {
		return errs.Invalid(violations...)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Newf(errs.MalformedJSON, "the request body must hold one JSON value")
	}
	return nil
}

// malformed explains a decoding failure; a wrong type names the field and what it
// should have been.
func malformed(err error) *errs.Error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		e := errs.New(errs.MalformedJSON)
		e.Details = []errs.FieldViolation{{Field: typeErr.Field, Reason: "must be " + jsonType(typeErr.Type)}}
		return e
	}
	return errs.New(errs.MalformedJSON)
}

func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String()
}

// Query fills dst's string and *int32 fields from the query parameters named by
// their json tags, then validates it like a body.
func (b *Binder) Query(c *app.RequestContext, dst any) error {
	var violations []errs.FieldViolation
	v := reflect.ValueOf(dst).Elem()
	for i := range v.NumField() {
		name := JSONName(v.Type().Field(i))
		if name == "" {
			continue
		}
		raw, present := c.GetQuery(name)
		if !present {
			continue
		}
		switch f := v.Field(i); f.Interface().(type) {
		case string:
			f.SetString(raw)
		case *int32:
			n, err := strconv.ParseInt(raw, 10, 32)
			if err != nil {
				violations = append(violations, errs.FieldViolation{Field: name, Reason: "must be an integer"})
				continue
			}
			n32 := int32(n)
			f.Set(reflect.ValueOf(&n32))
		default:
			panic("bind.Query: unsupported field type " + f.Type().String())
		}
	}
	if v := append(violations, b.check(dst)...); len(v) > 0 {
		return errs.Invalid(v...)
	}
	return nil
}
