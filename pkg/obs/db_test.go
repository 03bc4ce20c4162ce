package obs

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"gorm.io/gorm"

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

// tracedNotes is a traced SQLite database with a notes table, and the spans it ends.
func tracedNotes(t *testing.T) (*gorm.DB, *tracetest.SpanRecorder, *sdktrace.TracerProvider) {
	t.Helper()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	Install(tp)
	gdb, err := db.Open(db.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "t.db"), MaxOpenConns: 1, MaxIdleConns: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	if err := TraceDB(gdb); err != nil {
		t.Fatal(err)
	}
	if err := gdb.Exec("CREATE TABLE notes (id TEXT PRIMARY KEY, secret TEXT)").Error; err != nil {
		t.Fatal(err)
	}
	return gdb, spans, tp
}

func attrs(s sdktrace.ReadOnlySpan) map[string]string {
	m := map[string]string{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// A transaction is one span, however many statements it runs, and it says which.
func TestATransactionIsOneSpanListingItsStatements(t *testing.T) {
	gdb, spans, tp := tracedNotes(t)
	ctx, root := tp.Tracer("test").Start(context.Background(), "request")
	err := gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Table("notes").Create(map[string]any{"id": "n1", "secret": "hunter2"}).Error; err != nil {
			return err
		}
		if err := tx.Table("notes").Where("id = ?", "n1").Update("secret", "hunter3").Error; err != nil {
			return err
		}
		var n int64
		return tx.Table("notes").Count(&n).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	root.End()
	ended := spans.Ended()
	if len(ended) != 2 {
		var names []string
		for _, s := range ended {
			names = append(names, s.Name())
		}
		t.Fatalf("spans %q, want the request and one for the transaction", names)
	}
	tx := ended[0]
	a := attrs(tx)
	if tx.Name() != "TX notes" || tx.Parent().SpanID() != root.SpanContext().SpanID() {
		t.Fatalf("span %q (parent %s), want TX notes under the request", tx.Name(), tx.Parent().SpanID())
	}
	if a["db.transaction.statements"] != `["INSERT notes","UPDATE notes","SELECT notes"]` || a["db.transaction.outcome"] != "COMMIT" || a["db.system"] != "sqlite" {
		t.Fatalf("attributes %v", a)
	}
	for k, v := range a {
		if strings.Contains(v, "hunter") {
			t.Fatalf("a bound value was recorded: %s=%s", k, v)
		}
	}
	if db, err := gdb.DB(); err != nil || db.Ping() != nil {
		t.Fatalf("the traced pool hides the *sql.DB: %v", err)
	}
}

// A transaction that fails is a failed span, rolled back; outside a trace there is none.
func TestAFailedTransactionIsAFailedSpan(t *testing.T) {
	gdb, spans, tp := tracedNotes(t)
	if err := gdb.Transaction(func(tx *gorm.DB) error {
		return tx.Table("notes").Create(map[string]any{"id": "n0"}).Error
	}); err != nil {
		t.Fatal(err)
	}
	if n := len(spans.Ended()); n != 0 {
		t.Fatalf("a transaction outside any trace made %d spans", n)
	}
	ctx, root := tp.Tracer("test").Start(context.Background(), "request")
	err := gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Table("notes").Create(map[string]any{"id": "n1"}).Error; err != nil {
			return err
		}
		return tx.Table("notes").Create(map[string]any{"id": "n0"}).Error // duplicate key
	})
	root.End()
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Fatalf("err = %v, want a duplicate key", err)
	}
	i := slices.IndexFunc(spans.Ended(), func(s sdktrace.ReadOnlySpan) bool { return s.Name() == "TX notes" })
	if i < 0 {
		t.Fatal("no TX notes span")
	}
	tx := spans.Ended()[i]
	if a := attrs(tx); tx.Status().Code != codes.Error || a["db.transaction.outcome"] != "ROLLBACK" {
		t.Fatalf("status %v, attributes %v: want an error, rolled back", tx.Status(), a)
	}
}
