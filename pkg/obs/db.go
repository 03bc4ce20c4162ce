package obs

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

const (
	// spanKey is where a statement's span waits between the before and after callbacks.
	spanKey = "cartwheel:span"
	// GORM's callbacks around every write when default transactions are on.
	txBegin = "gorm:begin_transaction"
	txEnd   = "gorm:commit_or_rollback_transaction"
)

// TraceDB traces gdb's work inside a trace with client spans, never the bound values
// (they may be personal data):
//
//   - a transaction is one span from BEGIN to COMMIT or ROLLBACK (db.transaction.outcome),
//     named "TX" and the tables it touched, listing its statements (operation and table)
//     in db.transaction.statements; a transaction of one statement (GORM wraps every
//     write in one) is named and described as that statement;
//   - a statement outside a transaction is a span of its own ("SELECT orders") with its
//     SQL.
//
// One span per transaction rather than per statement: the order path runs about twenty
// statements, most of them in three transactions, and a span each was the largest part
// of what tracing cost it (docs/benchmarks.md, "Tracing overhead"). Work outside any
// trace makes no span (a trace per query would be noise). gorm.io/plugin/opentelemetry
// spans every statement too, and links ClickHouse and PostgreSQL drivers into every
// binary; these few callbacks and a connection-pool wrapper are all Cartwheel needs.
func TraceDB(gdb *gorm.DB) error {
	tracer := otel.Tracer("github.com/cartwheel-shop/cartwheel/pkg/obs/db")
	system := attribute.String("db.system", gdb.Dialector.Name())
	pool := &tracedPool{ConnPool: gdb.ConnPool, tracer: tracer, system: system}
	gdb.ConnPool = pool
	gdb.Statement.ConnPool = pool

	before := func(op string) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			if tx.Statement == nil || tx.Statement.Context == nil {
				return
			}
			if _, inTx := tx.Statement.ConnPool.(*tracedTx); inTx || !trace.SpanFromContext(tx.Statement.Context).SpanContext().IsValid() {
				return // the transaction's span covers it, or it is outside any trace
			}
			_, span := tracer.Start(tx.Statement.Context, op+" "+tx.Statement.Table,
				trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(system))
			tx.InstanceSet(spanKey, span)
		}
	}
	after := func(op string) func(*gorm.DB) {
		return func(tx *gorm.DB) {
			if t, inTx := tx.Statement.ConnPool.(*tracedTx); inTx {
				t.record(op, tx)
				return
			}
			v, ok := tx.InstanceGet(spanKey)
			if !ok {
				return
			}
			span := v.(trace.Span)
			span.SetAttributes(statementAttrs(op, tx.Statement.Table, tx.Statement.SQL.String(), tx.RowsAffected)...)
			if err := statementError(tx); err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, err.Error())
			}
			span.End()
		}
	}
	cb := gdb.Callback()
	hooks := []struct {
		op            string
		before, after func(string, func(*gorm.DB)) error
	}{
		// Writes run inside GORM's own transaction callbacks, so a write's hooks see the
		// transaction (and its span) that wraps it.
		{"INSERT", cb.Create().After(txBegin).Before("gorm:create").Register, cb.Create().After("gorm:create").Before(txEnd).Register},
		{"SELECT", cb.Query().Before("gorm:query").Register, cb.Query().After("gorm:query").Register},
		{"UPDATE", cb.Update().After(txBegin).Before("gorm:update").Register, cb.Update().After("gorm:update").Before(txEnd).Register},
		{"DELETE", cb.Delete().After(txBegin).Before("gorm:delete").Register, cb.Delete().After("gorm:delete").Before(txEnd).Register},
		{"ROW", cb.Row().Before("gorm:row").Register, cb.Row().After("gorm:row").Register},
		{"RAW", cb.Raw().Before("gorm:raw").Register, cb.Raw().After("gorm:raw").Register},
	}
	for _, h := range hooks {
		if err := h.before("cartwheel:trace_before_"+h.op, before(h.op)); err != nil {
			return err
		}
		if err := h.after("cartwheel:trace_after_"+h.op, after(h.op)); err != nil {
			return err
		}
	}
	return nil
}

func statementAttrs(op, table, sql string, rows int64) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("db.operation", op), attribute.String("db.sql.table", table),
		attribute.String("db.statement", sql), attribute.Int64("db.rows_affected", rows),
	}
}

// statementError is the statement's failure; not finding a row is an answer, not one.
func statementError(tx *gorm.DB) error {
	if err := tx.Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return err
	}
	return nil
}

// tracedPool is gdb's connection pool with a span around every transaction begun
// inside a trace. GORM begins transactions through ConnPoolBeginner and finds the
// *sql.DB (pool statistics, Close) through GetDBConn.
type tracedPool struct {
	gorm.ConnPool
	tracer trace.Tracer
	system attribute.KeyValue
}

func (p *tracedPool) GetDBConn() (*sql.DB, error) {
	switch pool := p.ConnPool.(type) {
	case *sql.DB:
		return pool, nil
	case gorm.GetDBConnector:
		return pool.GetDBConn()
	}
	return nil, gorm.ErrInvalidDB
}

func (p *tracedPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	var tx gorm.ConnPool
	switch pool := p.ConnPool.(type) {
	case gorm.TxBeginner:
		sqlTx, err := pool.BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		tx = sqlTx
	case gorm.ConnPoolBeginner:
		connTx, err := pool.BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		tx = connTx
	default:
		return nil, gorm.ErrInvalidTransaction
	}
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return tx, nil
	}
	_, span := p.tracer.Start(ctx, "TX", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(p.system))
	return &tracedTx{ConnPool: tx, pool: p, span: span}, nil
}

// tracedTx is one transaction and its span, ended by Commit or Rollback.
type tracedTx struct {
	gorm.ConnPool // the driver's transaction: *sql.Tx
	pool          *tracedPool
	span          trace.Span

	mu         sync.Mutex
	statements []string // "INSERT orders", in order
	tables     []string // each table once, in the order first touched
	first      []attribute.KeyValue
	failed     error
	ended      bool
}

func (t *tracedTx) record(op string, tx *gorm.DB) {
	t.mu.Lock()
	defer t.mu.Unlock()
	table := tx.Statement.Table
	t.statements = append(t.statements, strings.TrimSpace(op+" "+table))
	if len(t.statements) == 1 {
		t.first = statementAttrs(op, table, tx.Statement.SQL.String(), tx.RowsAffected)
	}
	if table != "" && !slices.Contains(t.tables, table) {
		t.tables = append(t.tables, table)
	}
	if err := statementError(tx); err != nil && t.failed == nil {
		t.failed = err
	}
}

func (t *tracedTx) Commit() error {
	err := t.ConnPool.(gorm.TxCommitter).Commit()
	t.end("COMMIT", err)
	return err
}

func (t *tracedTx) Rollback() error {
	err := t.ConnPool.(gorm.TxCommitter).Rollback()
	t.end("ROLLBACK", nil)
	return err
}

// StmtContext completes gorm.Tx for GORM's prepared-statement mode.
func (t *tracedTx) StmtContext(ctx context.Context, stmt *sql.Stmt) *sql.Stmt {
	if tx, ok := t.ConnPool.(interface {
		StmtContext(context.Context, *sql.Stmt) *sql.Stmt
	}); ok {
		return tx.StmtContext(ctx, stmt)
	}
	return stmt
}

func (t *tracedTx) GetDBConn() (*sql.DB, error) { return t.pool.GetDBConn() }

func (t *tracedTx) end(outcome string, commitErr error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return
	}
	t.ended = true
	if len(t.statements) == 1 {
		t.span.SetName(t.statements[0])
		t.span.SetAttributes(t.first...)
	} else {
		t.span.SetName(strings.TrimSpace("TX " + strings.Join(t.tables, ", ")))
		t.span.SetAttributes(attribute.String("db.operation", "TRANSACTION"),
			attribute.StringSlice("db.transaction.statements", t.statements))
	}
	t.span.SetAttributes(attribute.String("db.transaction.outcome", outcome))
	for _, err := range []error{t.failed, commitErr} {
		if err != nil {
			t.span.RecordError(err)
			t.span.SetStatus(codes.Error, err.Error())
			break
		}
	}
	t.span.End()
}
