// Package config reads one typed configuration struct per binary from the environment
// (github.com/caarlos0/env) and refuses to start on an empty or malformed value, naming
// the variable, instead of panicking or silently using a default.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Validator is implemented by config structs with rules beyond types and presence.
type Validator interface {
	Validate() error
}

// Load parses T from the environment, with every variable name prefixed by prefix
// (e.g. "ORDER_"). Struct fields use `env:"NAME"` and `envDefault:"..."` tags; nested
// structs use `envPrefix`. A variable that is set but empty is an error: an operator who
// writes ORDER_DB_DSN= meant something, and a silent default would hide it.
func Load[T any](prefix string) (T, error) {
	return LoadFrom[T](prefix, Environ())
}

// LoadFrom is Load over an explicit environment, for tests and the dev server. A nil
// environment is an empty one, never the process's.
func LoadFrom[T any](prefix string, environment map[string]string) (T, error) {
	var cfg T
	if environment == nil {
		environment = map[string]string{} // the library would read os.Environ for nil
	}
	opts := env.Options{Prefix: prefix, Environment: environment}
	params, err := env.GetFieldParamsWithOptions(&cfg, opts)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	var problems []error
	for _, p := range params {
		if v, set := environment[p.Key]; set && strings.TrimSpace(v) == "" {
			problems = append(problems, fmt.Errorf("%s is set but empty", p.Key))
		}
	}
	if err := env.ParseWithOptions(&cfg, opts); err != nil {
		problems = append(problems, nameVariables(err, &cfg, prefix, environment))
	}
	if len(problems) == 0 {
		if v, ok := any(&cfg).(Validator); ok {
			if err := v.Validate(); err != nil {
				problems = append(problems, err)
			}
		}
	}
	if len(problems) > 0 {
		return cfg, fmt.Errorf("config: %w", errors.Join(problems...))
	}
	return cfg, nil
}

// nameVariables rewrites the library's parse errors, which name the Go field, so they
// name the environment variable an operator has to fix.
func nameVariables(err error, cfg any, prefix string, environment map[string]string) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	keys := map[string][]string{} // Go field name -> variable names set in the environment
	collectKeys(reflect.TypeOf(cfg).Elem(), prefix, func(field, key string) {
		if _, set := environment[key]; set {
			keys[field] = append(keys[field], key)
		}
	})
	var out []error
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) && len(keys[pe.Name]) > 0 {
			out = append(out, fmt.Errorf("%s: %w", strings.Join(keys[pe.Name], " or "), pe.Err))
			continue
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

func collectKeys(t reflect.Type, prefix string, visit func(field, key string)) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Tag.Get("envPrefix") != "" {
			collectKeys(f.Type, prefix+f.Tag.Get("envPrefix"), visit)
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get("env"), ","); name != "" {
			visit(f.Name, prefix+name)
		}
	}
}

// Environ is the process environment as a map, the form LoadFrom takes.
func Environ() map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	return out
}

// Attrs describes cfg for the start-up log line, masking fields tagged `secret:"true"`.
func Attrs(cfg any) []any {
	var out []any
	walk(reflect.ValueOf(cfg), "", &out)
	return out
}

func walk(v reflect.Value, prefix string, out *[]any) {
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Type.Kind() == reflect.Struct && f.Tag.Get("envPrefix") != "" {
			walk(v.Field(i), prefix+f.Tag.Get("envPrefix"), out)
			continue
		}
		name := f.Tag.Get("env")
		if name == "" {
			continue
		}
		name, _, _ = strings.Cut(name, ",")
		value := fmt.Sprint(v.Field(i).Interface())
		if f.Tag.Get("secret") == "true" && value != "" {
			value = "****"
		}
		*out = append(*out, slog.String(prefix+name, value))
	}
}

// OneOf is a helper for Validate methods.
func OneOf(name, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return fmt.Errorf("%s=%q: must be one of %s", name, value, strings.Join(allowed, ", "))
}
