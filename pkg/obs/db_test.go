package obs

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
)

func TestStatementsInsideATraceAreSpansWithoutTheirValues(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	Install(tp)
	gdb, err := db.Open(db.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "t.db"), MaxOpenConns: 1, MaxIdleConns: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	if err := TraceDB(gdb); err != nil {
		t.Fatal(err)
	}
	if err := gdb.Exec("CREATE TABLE notes (secret TEXT)").Error; err != nil {
		t.Fatal(err)
	}
	if got := len(spans.Ended()); got != 0 {
		t.Fatalf("a statement outside any trace made %d spans", got)
	}

	ctx, root := tp.Tracer("test").Start(context.Background(), "request")
	if err := gdb.WithContext(ctx).Table("notes").Create(map[string]any{"secret": "hunter2"}).Error; err != nil {
		t.Fatal(err)
	}
	root.End()
	var found bool
	for _, s := range spans.Ended() {
		if s.Name() != "INSERT notes" {
			continue
		}
		found = true
		if s.Parent().SpanID() != root.SpanContext().SpanID() {
			t.Fatal("the statement's span is not a child of the request's")
		}
		for _, kv := range s.Attributes() {
			if v := kv.Value.Emit(); strings.Contains(v, "hunter2") {
				t.Fatalf("a bound value was recorded: %s=%s", kv.Key, v)
			}
		}
	}
	if !found {
		t.Fatalf("no INSERT span among %d", len(spans.Ended()))
	}
}
