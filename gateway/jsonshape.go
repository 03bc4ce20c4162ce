package gateway

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// shapeOf walks a JSON document alongside the Go type it is to be decoded into and
// lists what encoding/json would silently accept or report badly: a value of the wrong
// type (named by its full path, "lines[0].quantity", where encoding/json says
// "lines.quantity"), null for a field, an integer field given a fraction, and a key given twice in one
// object (encoding/json keeps the last, so two readers of one body could disagree).
// Keys match struct fields regardless of case, as encoding/json matches them, so
// "email" and "Email" are one key twice. Fields the type lacks are walked for
// duplicates but otherwise ignored. Syntax errors are returned as errors.
func shapeOf(body []byte, t reflect.Type) ([]errs.FieldViolation, error) {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	w := &shapeWalk{dec: dec}
	if err := w.value(t, ""); err != nil {
		return nil, err
	}
	return w.violations, nil
}

type shapeWalk struct {
	dec        *json.Decoder
	violations []errs.FieldViolation
}

func (w *shapeWalk) violate(path, reason string) {
	if path == "" {
		path = "body"
	}
	w.violations = append(w.violations, errs.FieldViolation{Field: path, Reason: reason})
}

// value reads one JSON value; t nil means any value is fine (an unknown field).
func (w *shapeWalk) value(t reflect.Type, path string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t.Kind() == reflect.Interface {
		t = nil
	}
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '{' {
			return w.object(t, path)
		}
		return w.array(t, path)
	case nil:
		// encoding/json would leave the field at its zero value, accepting null where the
		// document says a string or a number; no field of a request is nullable.
		if t != nil {
			w.violate(path, "must be "+jsonType(t)+", not null")
		}
	case string:
		w.expect(t, path, reflect.String)
	case bool:
		w.expect(t, path, reflect.Bool)
	case json.Number:
		w.number(t, path, tok)
	}
	return nil
}

func (w *shapeWalk) expect(t reflect.Type, path string, kind reflect.Kind) {
	if t != nil && t.Kind() != kind {
		w.violate(path, "must be "+jsonType(t))
	}
}

func (w *shapeWalk) number(t reflect.Type, path string, n json.Number) {
	if t == nil {
		return
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			w.violate(path, fmt.Sprintf("must be an integer of at most %d bits", t.Bits()))
		}
	case reflect.Float32, reflect.Float64:
	default:
		w.violate(path, "must be "+jsonType(t))
	}
}

func (w *shapeWalk) object(t reflect.Type, path string) error {
	fields, elem, ok := objectShape(t)
	if !ok {
		w.violate(path, "must be "+jsonType(t))
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string) // the decoder only yields string keys inside an object
		folded := strings.ToLower(key)
		child := join(path, key)
		if seen[folded] {
			w.violate(child, "appears more than once")
		}
		seen[folded] = true
		var ct reflect.Type
		switch {
		case !ok:
		case fields != nil:
			ct = fields[folded]
		default:
			ct = elem
		}
		if err := w.value(ct, child); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // '}'
	return err
}

func (w *shapeWalk) array(t reflect.Type, path string) error {
	ok := t == nil || t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	if !ok {
		w.violate(path, "must be "+jsonType(t))
	}
	for i := 0; w.dec.More(); i++ {
		var et reflect.Type
		if ok && t != nil {
			et = t.Elem()
		}
		if err := w.value(et, path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // ']'
	return err
}

// objectShape: a struct's fields by lower-cased JSON name, or a map's element type.
func objectShape(t reflect.Type) (fields map[string]reflect.Type, elem reflect.Type, ok bool) {
	if t == nil {
		return nil, nil, true
	}
	switch t.Kind() {
	case reflect.Map:
		return nil, t.Elem(), true
	case reflect.Struct:
		fields = map[string]reflect.Type{}
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				if name := jsonName(f); name != "" {
					fields[strings.ToLower(name)] = f.Type
				}
			}
		}
		return fields, nil, true
	}
	return nil, nil, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
