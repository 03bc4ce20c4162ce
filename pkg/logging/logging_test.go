package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func TestALineInsideATraceCarriesItsIDs(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "order", "info").With("k", "v")
	ctx, span := sdktrace.NewTracerProvider().Tracer("t").Start(context.Background(), "op")
	defer span.End()

	log.InfoContext(ctx, "inside")
	log.InfoContext(context.Background(), "outside")
	log.Debug("below the level")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	var in, out map[string]any
	if err := json.Unmarshal(lines[0], &in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lines[1], &out); err != nil {
		t.Fatal(err)
	}
	sc := span.SpanContext()
	if in["trace_id"] != sc.TraceID().String() || in["span_id"] != sc.SpanID().String() || in["service"] != "order" || in["k"] != "v" {
		t.Fatalf("inside a trace: %v", in)
	}
	if _, ok := out["trace_id"]; ok {
		t.Fatalf("outside a trace there is no trace id: %v", out)
	}
}

func TestLinesBecomeJSONRecords(t *testing.T) {
	var buf bytes.Buffer
	w := Lines(New(&buf, "order", "info"), "kitex")
	if _, err := w.Write([]byte("2026/12/04 17:59:11 server.go:1: [Warn] KITEX: slow\nsecond line\n")); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("want 2 records, got %q", buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal(lines[0], &rec); err != nil {
		t.Fatalf("not JSON: %s", lines[0])
	}
	if rec["component"] != "kitex" || rec["level"] != "WARN" || rec["msg"] != "2026/12/04 17:59:11 server.go:1: [Warn] KITEX: slow" {
		t.Fatalf("record: %v", rec)
	}
}

func TestLevelOfTurnsTheLevelOfEveryDerivedLogger(t *testing.T) {
	var out bytes.Buffer
	log := New(&out, "gateway", "warn").With("component", "x")
	log.Info("hidden")
	lv := LevelOf(log)
	if lv == nil {
		t.Fatal("no level for a logger made by New")
	}
	lv.Set(slog.LevelDebug)
	log.Debug("shown")
	if strings.Contains(out.String(), "hidden") || !strings.Contains(out.String(), "shown") {
		t.Fatalf("level change not in force:\n%s", out.String())
	}
	if LevelOf(slog.New(slog.DiscardHandler)) != nil {
		t.Fatal("a foreign logger has a level to turn")
	}
}
