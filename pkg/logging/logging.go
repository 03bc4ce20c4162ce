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
// A line logged with a context inside a trace carries its trace_id and span_id.
func New(w io.Writer, service, level string) *slog.Logger {
	log := slog.New(traceHandler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: Level(level)})})
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

// traceHandler adds the trace and span ids of the record's context.
type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(attrs)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
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
