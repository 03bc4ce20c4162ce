// Package logging builds the structured JSON logger every binary uses.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// New returns a JSON logger at level ("debug", "info", "warn", "error") tagged with the
// service name; an empty name adds no tag (the dev server tags each service itself).
// A line logged with a context inside a trace carries its trace_id and span_id. The
// level can be changed while the process runs through LevelOf.
func New(w io.Writer, service, level string) *slog.Logger {
	lv := new(slog.LevelVar)
	lv.Set(Level(level))
	log := slog.New(traceHandler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv}), lv})
	if service == "" {
		return log
	}
	return log.With("service", service)
}

// Level reads "debug", "warn" or "error"; anything else is info.
func Level(level string) slog.Level {
	switch strings.ToLower(level) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// LevelOf is the level of a logger made by New (or derived from one with With), which
// live settings turn; nil for any other logger.
func LevelOf(log *slog.Logger) *slog.LevelVar {
	if h, ok := log.Handler().(traceHandler); ok {
		return h.level
	}
	return nil
}

// traceHandler adds the trace and span ids of the record's context.
type traceHandler struct {
	slog.Handler
	level *slog.LevelVar
}

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(attrs), h.level}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name), h.level}
}

// Lines is a writer for a library that logs plain text lines of its own (Kitex's klog,
// Hertz's hlog): each line becomes one JSON record of log at warn, tagged with
// component, so a process writes one format only. The library's own timestamp and
// location prefix is kept in the message.
func Lines(log *slog.Logger, component string) io.Writer {
	return lineWriter{log.With("component", component)}
}

type lineWriter struct{ log *slog.Logger }

func (w lineWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line != "" {
			w.log.Warn(line)
		}
	}
	return len(p), nil
}
